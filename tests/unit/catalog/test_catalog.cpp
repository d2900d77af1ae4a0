// The catalogue through its methods and through the exchange's object API:
// what one file's objects() gives, another file's apply() takes back to the
// same canonical JSON, every change reported once, nothing reported for a
// write that changes nothing.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "core/base64.hpp"
#include "core/object_changes.hpp"
#include "core/sha256.hpp"
#include "engine/database.hpp"
#include "store/sqlite.hpp"
#include "test_support.hpp"

namespace opora::test {
namespace {

namespace json = boost::json;

json::object jobj(std::string_view text) {
  return json::parse(text).as_object();
}

struct Change {
  std::string type, uid;
  std::optional<std::string> body;  // serialised; nullopt: removed
};

struct Spy : ObjectChangeListener {
  std::vector<Change> changes;
  bool wants(std::string_view, std::string_view) override { return true; }
  void object_changed(const ObjectChange& c) override {
    changes.push_back(
        {std::string(c.type), std::string(c.uid),
         c.body ? std::optional<std::string>(json::serialize(*c.body)) : std::nullopt});
  }
};

engine::OpenOptions seeded(uint64_t seed) {
  engine::OpenOptions o;
  o.clock = engine::ClockMode::manual;
  o.manual_start = Timestamp::parse("2026-03-02T09:00:00Z").value();
  o.id_seed = seed;
  return o;
}

const char* const kTypes[] = {"price_type", "warehouse", "product", "price", "stock"};

// A small showroom: two products, one with variants and pictures, two price
// types, two warehouses, prices and stock.
void fill(engine::Database& db) {
  const std::string thumb = base64_encode("thumb-bytes");
  const std::string full = base64_encode("full-bytes");
  db.call("catalog.product.put",
          jobj(R"({"product": "G-100", "article": "ГЭ-100", "name": "Гроб «Элит»",
                   "group": "Гробы/Элит", "vat_rate": "22", "recommended": 1,
                   "pictures": [{"role": "thumb", "mime": "image/jpeg", "content_base64": ")" +
               thumb + R"("}],
                   "variants": [{"variant": "oak", "name": "Дуб", "pictures": [
                                  {"role": "full", "mime": "image/png", "content_base64": ")" +
               full + R"("}]},
                                {"variant": "pine", "name": "Сосна"}]})"));
  db.call("catalog.product.put",
          jobj(R"({"product": "W-1", "name": "Венок", "unit": "796", "vat_rate": "none"})"));
  db.call("catalog.price_type.put", jobj(R"({"price_type": "retail", "name": "Розница"})"));
  db.call("catalog.price_type.put",
          jobj(R"({"price_type": "opt", "name": "Опт", "currency": "KZT"})"));
  db.call("catalog.warehouse.put", jobj(R"({"warehouse": "main", "name": "Основной"})"));
  db.call("catalog.warehouse.put", jobj(R"({"warehouse": "van", "name": "Машина агента"})"));
  db.call("catalog.price.set", jobj(R"({"price_type": "retail", "rows": [
            {"product": "G-100", "from": "2026-01-01", "price": "50000"},
            {"product": "G-100", "from": "2026-03-01", "price": "55000.50"},
            {"product": "G-100", "variant": "oak", "from": "2026-01-01", "price": "70000"},
            {"product": "W-1", "from": "2026-01-01", "price": "1500"}]})"));
  db.call("catalog.stock.set", jobj(R"({"warehouse": "main", "rows": [
            {"product": "G-100", "variant": "oak", "quantity": "3"},
            {"product": "G-100", "variant": "pine", "quantity": "1.500"},
            {"product": "W-1", "quantity": "40"}]})"));
  db.call("catalog.stock.set",
          jobj(R"({"warehouse": "van", "rows": [{"product": "W-1", "quantity": "2"}]})"));
}

std::vector<json::object> all(catalog::Catalog& c, const char* type) {
  std::vector<json::object> out;
  std::string after;
  for (;;) {
    auto page = c.objects(type, after, 2);  // small pages: the paging is tested too
    if (page.empty()) return out;
    after = std::string(page.back().at("uid").as_string());
    for (auto& o : page) out.push_back(std::move(o));
  }
}

// Applies every object of `from` into `to`, in one transaction.
void copy(engine::Database& from, engine::Database& to) {
  store::Transaction tx(to.connection());
  for (const char* type : kTypes)
    for (const auto& o : all(from.catalog(), type)) to.catalog().apply(type, o);
  tx.commit();
}

}  // namespace

TEST_CASE("objects of one file applied into another give the same canonical JSON") {
  engine::Database a(":memory:", seeded(1));
  engine::Database b(":memory:", seeded(2));
  fill(a);
  copy(a, b);
  for (const char* type : kTypes) {
    const auto objects = all(a.catalog(), type);
    CHECK(!objects.empty());
    for (const auto& o : objects) {
      const std::string uid(o.at("uid").as_string());
      const auto there = b.catalog().object(type, uid);
      REQUIRE(there.has_value());
      CHECK(json::serialize(*there) == json::serialize(o));
      CHECK(json::serialize(*a.catalog().object(type, uid)) == json::serialize(o));
    }
    CHECK(all(b.catalog(), type).size() == objects.size());
  }
  // The copy answers the methods as the original does.
  CHECK(json::serialize(
            b.call("catalog.price.get", jobj(R"({"price_type": "retail", "product": "G-100",
                                        "variant": "pine", "date": "2026-03-05"})"))) ==
        json::serialize(
            a.call("catalog.price.get", jobj(R"({"price_type": "retail", "product": "G-100",
                                        "variant": "pine", "date": "2026-03-05"})"))));
}

TEST_CASE("a product's canonical JSON has its members in the fixed order") {
  engine::Database db(":memory:", seeded(1));
  fill(db);
  const auto p = db.call("catalog.product.get", jobj(R"({"product": "W-1"})"));
  std::vector<std::string> keys;
  for (const auto& kv : p) keys.emplace_back(kv.key());
  CHECK(keys == std::vector<std::string>{"uid", "product", "name", "unit", "vat_rate",
                                         "recommended", "pictures", "variants", "removed"});
  const auto g = db.call("catalog.product.get", jobj(R"({"product": "G-100"})"));
  CHECK(g.at("pictures").as_array()[0].as_object().at("sha256").as_string() ==
        sha256_hex("thumb-bytes"));
  CHECK(g.at("variants").as_array()[0].as_object().at("pictures").as_array().size() == 1);
}

TEST_CASE("apply is idempotent: the same objects again change and report nothing") {
  engine::Database a(":memory:", seeded(1));
  engine::Database b(":memory:", seeded(2));
  fill(a);
  copy(a, b);
  Spy spy;
  b.catalog().set_listener(&spy);
  copy(a, b);
  CHECK(spy.changes.empty());
}

TEST_CASE("every change is reported with the object's canonical JSON after it") {
  engine::Database a(":memory:", seeded(1));
  engine::Database b(":memory:", seeded(2));
  fill(a);
  Spy spy;
  b.catalog().set_listener(&spy);
  copy(a, b);
  size_t expected = 0;
  for (const char* type : kTypes) expected += all(a.catalog(), type).size();
  REQUIRE(spy.changes.size() == expected);
  for (const auto& c : spy.changes) {
    REQUIRE(c.body.has_value());
    CHECK(*c.body == json::serialize(*a.catalog().object(c.type, c.uid)));
  }
}

TEST_CASE("a method write that changes nothing reports nothing and says so") {
  engine::Database db(":memory:", seeded(1));
  fill(db);
  Spy spy;
  db.catalog().set_listener(&spy);
  const auto again = db.call("catalog.product.put", jobj(R"({"product": "W-1", "name": "Венок"})"));
  CHECK(again.at("changed") == false);
  const auto stock =
      db.call("catalog.stock.set",
              jobj(R"({"warehouse": "van", "rows": [{"product": "W-1", "quantity": "2.000"}]})"));
  CHECK(stock.at("changed") == 0);
  const auto prices = db.call("catalog.price.set", jobj(R"({"price_type": "retail", "rows": [
            {"product": "W-1", "from": "2026-01-01", "price": "1500.00"}]})"));
  CHECK(prices.at("changed") == 0);
  CHECK(spy.changes.empty());

  db.call("catalog.stock.set",
          jobj(R"({"warehouse": "van", "rows": [{"product": "W-1", "quantity": "5"}]})"));
  REQUIRE(spy.changes.size() == 1);
  CHECK(spy.changes[0].type == "stock");
  CHECK(json::parse(*spy.changes[0].body).as_object().at("quantity") == "5");
}

TEST_CASE("removing a product reports it and its prices and stock as removed") {
  engine::Database db(":memory:", seeded(1));
  fill(db);
  Spy spy;
  db.catalog().set_listener(&spy);
  const std::string uid(
      db.call("catalog.product.get", jobj(R"({"product": "W-1"})")).at("uid").as_string());
  db.call("catalog.product.remove", jobj(R"({"product": "W-1"})"));
  // Prices: retail; stock: main and van; then the product itself.
  REQUIRE(spy.changes.size() == 4);
  for (const auto& c : spy.changes) CHECK_FALSE(c.body.has_value());
  CHECK(spy.changes.back().type == "product");
  CHECK(spy.changes.back().uid == uid);
  CHECK_FALSE(db.catalog().object("product", uid).has_value());
  const auto list = db.call("catalog.product.list", jobj("{}"));
  CHECK(list.at("products").as_array().size() == 1);
  CHECK(db.call("catalog.product.get", jobj(R"({"product": "W-1"})")).at("removed") == true);
  spy.changes.clear();
  db.catalog().remove("product", uid);  // removed already
  CHECK(spy.changes.empty());
}

TEST_CASE("a variant left out of a put goes with its stock, reported") {
  engine::Database db(":memory:", seeded(1));
  fill(db);
  Spy spy;
  db.catalog().set_listener(&spy);
  const auto before = db.call("catalog.product.get", jobj(R"({"product": "G-100"})"));
  const auto oak_uid = before.at("variants").as_array()[0].as_object().at("uid");
  const auto after =
      db.call("catalog.product.put", jobj(R"({"product": "G-100", "variants": [{"variant": "oak",
                                      "name": "Дуб морёный"}]})"));
  CHECK(after.at("variants").as_array()[0].as_object().at("uid") == oak_uid);
  const auto stock = db.call("catalog.stock.get", jobj(R"({"product": "G-100"})"));
  CHECK(stock.at("rows").as_array().size() == 1);
  // The pine stock removed, then the product changed.
  REQUIRE(spy.changes.size() == 2);
  CHECK(spy.changes[0].type == "stock");
  CHECK_FALSE(spy.changes[0].body.has_value());
  CHECK(spy.changes[1].type == "product");
}

TEST_CASE("apply refuses a bad product listing every problem with its member") {
  engine::Database db(":memory:", seeded(1));
  const auto e = error_of([&] {
    db.catalog().apply("product", jobj(R"({"uid": "not-a-uuid", "product": "", "name": "X",
        "unit": "шт", "vat_rate": "18%", "recommended": -1, "colour": "red",
        "pictures": [{"sha256": "abc", "role": "big", "mime": "text/plain"}],
        "variants": [{"uid": "7b0f7a3e-8c53-4a52-9d0e-000000000001", "variant": "a", "name": "A"},
                     {"uid": "7b0f7a3e-8c53-4a52-9d0e-000000000001", "variant": "a", "name": "B"}]})"));
  });
  CHECK(e.code() == ErrorCode::validation);
  std::vector<std::string> fields;
  for (const auto& f : e.field_errors()) fields.push_back(f.field + " " + f.rule);
  for (const char* want :
       {"uid uuid", "product required", "unit okei", "vat_rate vat_rate", "recommended range",
        "colour unknown_field", "pictures[0].sha256 sha256", "pictures[0].role enum",
        "pictures[0].mime mime", "variants[1].uid duplicate", "variants[1].variant duplicate"}) {
    CAPTURE(want);
    CHECK(std::find(fields.begin(), fields.end(), want) != fields.end());
  }
}

TEST_CASE("a price or stock object names its derived uid and known codes") {
  engine::Database a(":memory:", seeded(1));
  fill(a);
  auto stock = all(a.catalog(), "stock").front();
  stock["uid"] = "wrong";
  const auto e = error_of([&] { a.catalog().apply("stock", stock); });
  REQUIRE(e.field_errors().size() == 1);
  CHECK(e.field_errors()[0].field == "uid");
  CHECK(e.field_errors()[0].rule == "derived_uid");

  auto price = all(a.catalog(), "price").front();
  price["product"] = "nope";
  const auto p = error_of([&] { a.catalog().apply("price", price); });
  CHECK(p.code() == ErrorCode::validation);
  CHECK(p.field_errors()[0].field == "product");
  CHECK(p.field_errors()[0].rule == "unknown_product");
}

TEST_CASE("a seeded handle gives the same uids again") {
  engine::Database a(":memory:", seeded(42));
  engine::Database b(":memory:", seeded(42));
  fill(a);
  fill(b);
  for (const char* type : kTypes) {
    const auto x = all(a.catalog(), type);
    const auto y = all(b.catalog(), type);
    REQUIRE(x.size() == y.size());
    for (size_t i = 0; i < x.size(); ++i) CHECK(json::serialize(x[i]) == json::serialize(y[i]));
  }
}

TEST_CASE("the list puts recommended products first and pages by a cursor") {
  engine::Database db(":memory:", seeded(1));
  for (int i = 0; i < 5; ++i)
    db.call("catalog.product.put",
            json::object{{"product", "P" + std::to_string(i)},
                         {"name", std::string("Товар ") + static_cast<char>('E' - i)},
                         {"group", i % 2 == 0 ? "Цветы/Розы" : "Цветы"},
                         {"recommended", i == 3 ? 1 : (i == 1 ? 2 : 0)}});
  std::vector<std::string> order;
  json::value after = nullptr;
  do {
    json::object params{{"limit", 2}};
    if (!after.is_null()) params["after"] = after;
    const auto page = db.call("catalog.product.list", params);
    for (const auto& p : page.at("products").as_array())
      order.emplace_back(p.as_object().at("product").as_string());
    after = page.at("next_after");
  } while (!after.is_null());
  CHECK(order == std::vector<std::string>{"P3", "P1", "P4", "P2", "P0"});

  const auto roses = db.call("catalog.product.list", jobj(R"({"group": "Цветы/Розы"})"));
  CHECK(roses.at("products").as_array().size() == 3);
  const auto flowers = db.call("catalog.product.list", jobj(R"({"group": "Цветы"})"));
  CHECK(flowers.at("products").as_array().size() == 5);
  const auto text = db.call("catalog.product.list", jobj(R"({"query": "товар d"})"));
  REQUIRE(text.at("products").as_array().size() == 1);
  CHECK(text.at("products").as_array()[0].as_object().at("product") == "P1");
}

}  // namespace opora::test
