// CommerceML 2: what opora writes validates against 1C's 2.08 schema (xmllint), reads back to
// the same JSON, and the public 1C and Bitrix samples (tests/reference/commerceml, each with
// its source in the README there) read into the documented JSON.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/error.hpp"
#include "exchange/commerceml.hpp"
#include "exchange/xml_reader.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
namespace cml = opora::exchange::cml;
using opora::Error;
using opora::ErrorCode;

const fs::path kReference = OPORA_CML_REFERENCE_DIR;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE(in);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Writes `bytes` as `name` and runs xmllint with the CommerceML 2.08 schema; 0 = valid.
int xmllint_cml(const std::string& name, const std::string& bytes) {
  const auto dir = fs::temp_directory_path() / "opora-cml-xsd";
  fs::create_directories(dir);
  {
    std::ofstream out(dir / name, std::ios::binary);
    out << bytes;
  }
  const std::string cmd = "xmllint --noout --schema '" +
                          (kReference / "commerceml-2.08.xsd").string() + "' '" +
                          (dir / name).string() + "' 2>'" + (dir / "xmllint.err").string() + "'";
  const int rc = std::system(cmd.c_str());
  if (rc != 0) MESSAGE("xmllint: " << read_file(dir / "xmllint.err"));
  return rc;
}

const char* const kSha1 = "aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111";
const char* const kSha2 = "bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222";
const char* const kSha3 = "cccc3333cccc3333cccc3333cccc3333cccc3333cccc3333cccc3333cccc3333";

// Two products of the showroom: a coffin in two colours (each with its own pictures) and a
// wreath without variants; the name carries every character XML must escape.
std::vector<json::object> products() {
  return {
      json::parse(
          std::string(R"j({"uid":"11111111-1111-4111-8111-111111111111","product":"G-001",)j") +
          R"j("article":"ГР-1","name":"Гроб \"Элит\" & <Люкс>","unit":"796","group":"Гробы/Элит",)j" +
          R"j("vat_rate":"22","description":"Массив дуба","recommended":3,)j" +
          R"j("pictures":[{"sha256":")j" + kSha1 + R"j(","role":"full","mime":"image/jpeg"}],)j" +
          R"j("variants":[{"uid":"22222222-2222-4222-8222-222222222222","variant":"BLK","name":"Чёрный",)j" +
          R"j("pictures":[{"sha256":")j" + kSha2 + R"j(","role":"thumb","mime":"image/png"},)j" +
          R"j({"sha256":")j" + kSha3 + R"j(","role":"full","mime":"image/jpeg"}]},)j" +
          R"j({"uid":"33333333-3333-4333-8333-333333333333","variant":"WHT","name":"Белый","pictures":[]}]})j")
          .as_object(),
      json::parse(
          R"j({"uid":"44444444-4444-4444-8444-444444444444","product":"V-7","name":"Венок",)j"
          R"j("unit":"796","group":"Венки","vat_rate":"none","recommended":0,"pictures":[],"variants":[]})j")
          .as_object(),
  };
}

cml::PackageHeader header() {
  cml::PackageHeader h;
  h.catalogue_id = "cat-0001";
  h.owner = cml::Organization{"ООО \"ГРС\"", "7707083893", "773601001"};
  h.generated_at = "2024-05-01T09:30:00";
  return h;
}

// Drops the "path" members parse adds to pictures, so a read product compares to the canonical one.
json::value without_paths(json::value v) {
  if (v.is_object()) {
    auto& o = v.as_object();
    o.erase("path");
    for (auto& m : o) m.value() = without_paths(m.value());
  } else if (v.is_array()) {
    for (auto& e : v.as_array()) e = without_paths(e);
  }
  return v;
}

TEST_CASE("import.xml of a small catalogue validates against the 2.08 schema") {
  cml::CatalogueExport in{header(), products(), {"55555555-5555-4555-8555-555555555555"}};
  const std::string xml = cml::import_xml(in);
  CHECK(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0) == 0);  // no BOM
  CHECK(xml.find("Гроб &quot;Элит&quot;") == std::string::npos);  // quotes stay literal in text
  CHECK(xml.find("Гроб \"Элит\" &amp; &lt;Люкс&gt;") != std::string::npos);
  CHECK(xml.find("import_files/aa/" + std::string(kSha1) + ".jpg") != std::string::npos);
  CHECK(xml.find("<Товар Статус=\"Удален\">") != std::string::npos);
  CHECK(xmllint_cml("import.xml", xml) == 0);
}

TEST_CASE("import.xml reads back to the same products, groups rebuilt from their paths") {
  cml::CatalogueExport in{header(), products(), {"55555555-5555-4555-8555-555555555555"}};
  const json::object back = cml::parse_import(cml::import_xml(in));
  CHECK(back.at("catalogue_id") == "cat-0001");
  CHECK(back.at("changes_only") == false);
  CHECK(back.at("owner").at("inn") == "7707083893");
  CHECK(back.at("removed") == json::parse(R"j(["55555555-5555-4555-8555-555555555555"])j"));
  const auto& groups = back.at("groups").as_array();
  REQUIRE(groups.size() == 3);  // Венки, Гробы, Гробы/Элит
  CHECK(groups[2].at("path") == "Гробы/Элит");
  CHECK(groups[2].at("uid").as_string() == cml::group_id("Гробы/Элит"));
  const auto& ps = back.at("products").as_array();
  REQUIRE(ps.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    json::object expected = products()[i];
    expected["variants"] = json::array();  // variants travel as offers
    CHECK(json::serialize(without_paths(ps[i])) == json::serialize(expected));
  }
}

cml::OffersExport offers_input() {
  cml::OffersExport in;
  in.header = header();
  in.on = "2024-05-01";
  in.products = products();
  in.price_types = {
      json::parse(
          R"j({"uid":"pt-retail","price_type":"retail","name":"Розничная","currency":"RUB"})j")
          .as_object()};
  in.warehouses = {
      json::parse(R"j({"uid":"wh-1","warehouse":"main","name":"Основной склад"})j").as_object(),
      json::parse(R"j({"uid":"wh-2","warehouse":"shop","name":"Салон"})j").as_object()};
  // The coffin's price is the product's (both colours take it), the black one has its own
  // later price; the wreath's price history has a future entry that must not be sent.
  in.prices = {
      json::parse(
          R"j({"uid":"pt-retail/11111111-1111-4111-8111-111111111111","price_type":"pt-retail",)j"
          R"j("product":"11111111-1111-4111-8111-111111111111","prices":[{"from":"2024-01-01","price":"45000.00"}]})j")
          .as_object(),
      json::parse(
          R"j({"uid":"pt-retail/22222222-2222-4222-8222-222222222222","price_type":"retail",)j"
          R"j("product":"G-001","variant":"BLK","prices":[{"from":"2024-01-01","price":"47000.00"},)j"
          R"j({"from":"2024-04-15","price":"48500.50"}]})j")
          .as_object(),
      json::parse(
          R"j({"uid":"pt-retail/44444444-4444-4444-8444-444444444444","price_type":"pt-retail",)j"
          R"j("product":"44444444-4444-4444-8444-444444444444","prices":[{"from":"2024-02-01","price":"3200.00"},)j"
          R"j({"from":"2024-06-01","price":"9999.00"}]})j")
          .as_object(),
  };
  in.stock = {
      json::parse(
          R"j({"uid":"wh-1/22222222-2222-4222-8222-222222222222","warehouse":"wh-1",)j"
          R"j("product":"11111111-1111-4111-8111-111111111111","variant":"22222222-2222-4222-8222-222222222222","quantity":"2"})j")
          .as_object(),
      json::parse(
          R"j({"uid":"wh-2/22222222-2222-4222-8222-222222222222","warehouse":"shop",)j"
          R"j("product":"11111111-1111-4111-8111-111111111111","variant":"BLK","quantity":"1"})j")
          .as_object(),
      json::parse(R"j({"uid":"wh-1/44444444-4444-4444-8444-444444444444","warehouse":"wh-1",)j"
                  R"j("product":"44444444-4444-4444-8444-444444444444","quantity":"0"})j")
          .as_object(),
  };
  return in;
}

TEST_CASE("offers.xml carries prices in force on the date and stock per warehouse, and validates") {
  const std::string xml = cml::offers_xml(offers_input());
  CHECK(xml.find(
            "<Ид>11111111-1111-4111-8111-111111111111#22222222-2222-4222-8222-222222222222</Ид>") !=
        std::string::npos);
  CHECK(xml.find("<ЦенаЗаЕдиницу>48500.50</ЦенаЗаЕдиницу>") != std::string::npos);
  CHECK(xml.find("<ЦенаЗаЕдиницу>47000.00</ЦенаЗаЕдиницу>") == std::string::npos);
  CHECK(xml.find("9999.00") == std::string::npos);
  CHECK(xml.find("<Склад ИдСклада=\"wh-2\" КоличествоНаСкладе=\"1\"/>") != std::string::npos);
  CHECK(xml.find("<Количество>3</Количество>") != std::string::npos);
  CHECK(xmllint_cml("offers.xml", xml) == 0);
}

TEST_CASE("offers.xml reads back to the price types, warehouses, variants, prices and stock") {
  const json::object back = cml::parse_offers(cml::offers_xml(offers_input()), "2024-05-01");
  CHECK(back.at("catalogue_id") == "cat-0001");
  CHECK(
      back.at("price_types") ==
      json::parse(
          R"j([{"uid":"pt-retail","price_type":"pt-retail","name":"Розничная","currency":"RUB"}])j"));
  CHECK(back.at("warehouses").as_array().size() == 2);
  // Both variants of the coffin come back with their codes, names and pictures.
  const auto& vs = back.at("variants").as_array();
  REQUIRE(vs.size() == 2);
  json::object black = products()[0].at("variants").as_array()[0].as_object();
  json::object expected{{"product", "11111111-1111-4111-8111-111111111111"}};
  for (const auto& m : black) expected[m.key()] = m.value();
  CHECK(json::serialize(without_paths(vs[0])) == json::serialize(expected));
  CHECK(vs[1].at("variant") == "WHT");
  // Each offer's price as sent: the white one took the product's price.
  const auto& prices = back.at("prices").as_array();
  REQUIRE(prices.size() == 3);
  CHECK(prices[0] == json::parse(R"j({"uid":"pt-retail/22222222-2222-4222-8222-222222222222",
      "price_type":"pt-retail","product":"11111111-1111-4111-8111-111111111111",
      "variant":"22222222-2222-4222-8222-222222222222","prices":[{"from":"2024-05-01","price":"48500.50"}]})j"));
  CHECK(prices[1].at("prices").at(0).at("price") == "45000.00");
  CHECK(prices[2].at("product") == "44444444-4444-4444-8444-444444444444");
  const auto& stock = back.at("stock").as_array();
  REQUIRE(stock.size() == 3);
  CHECK(stock[1] ==
        json::parse(R"j({"uid":"wh-2/22222222-2222-4222-8222-222222222222","warehouse":"wh-2",
      "product":"11111111-1111-4111-8111-111111111111","variant":"22222222-2222-4222-8222-222222222222","quantity":"1"})j"));
  CHECK(stock[2].at("quantity") == "0");
  CHECK(back.at("quantities").as_array().size() == 2);
}

json::object order_document() {
  return json::parse(R"j({"id":17,"kind":"order","number":"ЗК-2024-000017","date":"2024-05-02",
    "status":"confirmed","refs":["site:order:132"],"currency":"RUB","vat_mode":"included",
    "counterparty":{"type":"company","name":"ООО \"Ромашка\"","inn":"7707083893","kpp":"773601001"},
    "items":[{"name":"Гроб \"Элит\" (Чёрный)","code":"11111111-1111-4111-8111-111111111111#22222222-2222-4222-8222-222222222222",
              "unit":"796","quantity":"1","price":"48500.50","discount":"500.00","vat_rate":"22","vat_mode":"included",
              "net":"39344.67","vat":"8655.83","gross":"48000.50"},
             {"name":"Венок","code":"44444444-4444-4444-8444-444444444444","unit":"796","quantity":"2",
              "price":"3200.00","vat_rate":"none","vat_mode":"included","net":"6400.00","vat":"0.00","gross":"6400.00"}],
    "totals":{"net":"45744.67","vat":"8655.83","gross":"54400.50","vat_by_rate":[]},
    "notes":"Доставить к 10:00","custom":{"commerceml":{"time":"18:45:21","paid":true,"payment_number":"PO-55"}},
    "deleted":false})j")
      .as_object();
}

TEST_CASE("orders.xml of a registry order validates and reads back to the same order") {
  cml::OrdersExport in;
  in.generated_at = "2024-05-02T12:00:00";
  in.status_ids["confirmed"] = "P";
  in.documents = {order_document()};
  const std::string xml = cml::orders_xml(in);
  CHECK(xml.find("<Ид>132</Ид>") != std::string::npos);  // the site's own order id
  CHECK(xml.find("<Значение>P</Значение>") != std::string::npos);
  CHECK(xmllint_cml("orders.xml", xml) == 0);

  const json::array back = cml::parse_orders(xml);
  REQUIRE(back.size() == 1);
  const auto& o = back[0].as_object();
  CHECK(o.at("number") == "ЗК-2024-000017");
  CHECK(o.at("date") == "2024-05-02");
  CHECK(o.at("refs") == json::parse(R"j(["site:order:132"])j"));
  CHECK(
      o.at("counterparty") ==
      json::parse(
          R"j({"type":"company","name":"ООО \"Ромашка\"","inn":"7707083893","kpp":"773601001"})j"));
  CHECK(o.at("notes") == "Доставить к 10:00");
  const auto& items = o.at("items").as_array();
  REQUIRE(items.size() == 2);
  CHECK(items[0] == json::parse(R"j({"name":"Гроб \"Элит\" (Чёрный)",
      "code":"11111111-1111-4111-8111-111111111111#22222222-2222-4222-8222-222222222222","unit":"796",
      "quantity":"1","price":"48500.50","discount":"500.00","vat_rate":"22"})j"));
  CHECK(items[1].at("vat_rate") == "none");
  const auto& c = o.at("custom").at("commerceml");
  CHECK(c.at("id") == "132");
  CHECK(c.at("time") == "18:45:21");
  CHECK(c.at("paid") == true);
  CHECK(c.at("payment_number") == "PO-55");
  CHECK(c.at("status_id") == "P");
  CHECK(c.at("amount") == "54400.50");
}

TEST_CASE("an order without a site ref is sent under opora's own id, never a bare number") {
  cml::OrdersExport in;
  in.generated_at = "2024-05-02T12:00:00";
  json::object d = order_document();
  d["refs"] = json::array();
  in.documents = {d};
  const std::string xml = cml::orders_xml(in);
  CHECK(xml.find("<Ид>opora-17</Ид>") != std::string::npos);
  CHECK(xmllint_cml("orders-own.xml", xml) == 0);
}

TEST_CASE("the 1C documentation's import.xml reads as two products with two variants each") {
  const json::object r = cml::parse_import(read_file(kReference / "samples/1c-docs-import.xml"));
  CHECK(r.at("catalogue_id") == "bd72d8f9-55bc-11d9-848a-00112f43529a");
  CHECK(r.at("owner").at("name") == "ЗАО \"Торговый дом Комплексный\"");
  CHECK(r.at("owner").at("kpp") == "567892222");
  CHECK(
      r.at("groups") ==
      json::parse(
          R"j([{"uid":"05e26d6f-01e4-11dc-a411-00055d80a2d1","name":"Мебель","path":"Мебель"}])j"));
  const auto& ps = r.at("products").as_array();
  REQUIRE(ps.size() == 2);
  CHECK(ps[0] == json::parse(R"j({"uid":"05e26d70-01e4-11dc-a411-00055d80a2d1",
      "product":"05e26d70-01e4-11dc-a411-00055d80a2d1","name":"Стол обеденный","unit":"796",
      "group":"Мебель","vat_rate":"18","recommended":0,"pictures":[],
      "variants":[{"uid":"05e26d76-01e4-11dc-a411-00055d80a2d1","variant":"05e26d76-01e4-11dc-a411-00055d80a2d1","name":"Белый","pictures":[]},
                  {"uid":"218a1598-044b-11dc-a414-00055d80a2d1","variant":"218a1598-044b-11dc-a414-00055d80a2d1","name":"Красный","pictures":[]}]})j"));
  CHECK(ps[1].at("name") == "Стулья");
}

TEST_CASE("the 1C documentation's offers.xml reads as four price types and four prices per offer") {
  const json::object r =
      cml::parse_offers(read_file(kReference / "samples/1c-docs-offers.xml"), "2008-01-09");
  const auto& pts = r.at("price_types").as_array();
  REQUIRE(pts.size() == 4);
  CHECK(pts[3] == json::parse(R"j({"uid":"cbcf493b-55bc-11d9-848a-00112f43529a",
      "price_type":"cbcf493b-55bc-11d9-848a-00112f43529a","name":"Розничная","currency":"RUB"})j"));
  const auto& prices = r.at("prices").as_array();
  REQUIRE(prices.size() == 8);
  CHECK(prices[2].at("prices") == json::parse(R"j([{"from":"2008-01-09","price":"7.00"}])j"));
  CHECK(prices[2].at("variant") == "05e26d76-01e4-11dc-a411-00055d80a2d1");
  CHECK(r.at("quantities").at(0) ==
        json::parse(R"j({"product":"05e26d70-01e4-11dc-a411-00055d80a2d1",
      "variant":"05e26d76-01e4-11dc-a411-00055d80a2d1","quantity":"0"})j"));
}

TEST_CASE("the 1C documentation's orders read: a site order and two status answers from 1C") {
  const json::array r =
      cml::parse_orders(read_file(kReference / "samples/1c-docs-orders.xml"), "bitrix");
  REQUIRE(r.size() == 3);
  const auto& first = r[0].as_object();
  CHECK(first.at("refs") == json::parse(R"j(["bitrix:order:36"])j"));
  CHECK(first.at("currency") == "RUB");
  CHECK(first.at("counterparty") == json::parse(R"j({"type":"person","name":"admin"})j"));
  CHECK(first.at("items").at(0) ==
        json::parse(R"j({"name":"Доставка заказа","code":"ORDER_DELIVERY",
      "unit":"796","quantity":"1","price":"340.00","vat_rate":"none"})j"));
  CHECK(first.at("custom").at("commerceml").at("status") == "[N] Принят");
  CHECK(first.at("custom").at("commerceml").at("paid") == false);
  CHECK(first.at("custom").at("commerceml").at("payment_method") == "Наличный расчет");
  const auto& answer = r[1].as_object().at("custom").at("commerceml");
  CHECK(answer.at("number_1c") == "MM92");
  CHECK(answer.at("posted") == true);
  CHECK(answer.at("deletion_mark") == false);
  CHECK(r[1].as_object().at("items").as_array().empty());
}

TEST_CASE("a Bitrix sale export in windows-1251 reads, and reads the same when sent again") {
  const std::string bytes = read_file(kReference / "samples/bitrix-sale-query-excerpt.xml");
  const json::array r = cml::parse_orders(bytes);
  REQUIRE(r.size() == 1);
  const auto& o = r[0].as_object();
  CHECK(o.at("number") == "132");
  CHECK(o.at("date") == "2021-02-11");
  CHECK(o.at("refs") == json::parse(R"j(["site:order:132"])j"));
  CHECK_FALSE(o.contains("counterparty"));  // the site sent an empty buyer name
  CHECK(o.at("items").at(0) ==
        json::parse(R"j({"name":"Hello Kitty toothbrush for 3~6 years old,2pcs",
      "code":"910e89e5-205e-4d95-872a-0a0255c42f02","unit":"796","quantity":"1","price":"231.74","vat_rate":"none"})j"));
  const auto& c = o.at("custom").at("commerceml");
  CHECK(c.at("status_id") == "N");
  CHECK(c.at("status") == "[N] Принят, ожидается оплата");
  CHECK(c.at("buyer_comment") == "Я повелитель порошочков");
  CHECK(c.at("delivery_method") == "Самовывоз");
  CHECK(c.at("buyer_id") == "38#catalog_exchange#");
  CHECK(c.at("requisites").at("Метод доставки ИД") == "5");
  CHECK(cml::parse_orders(bytes) == r);
}

TEST_CASE("bad catalogue JSON is refused with every field named") {
  auto ps = products();
  ps[0].erase("name");
  ps[1]["pictures"] = json::parse(R"j([{"sha256":"xyz","role":"full","mime":"image/png"}])j");
  cml::PackageHeader h = header();
  h.generated_at = "2024-05-01";
  const Error e = opora::test::error_of([&] { cml::import_xml({h, ps, {}}); });
  CHECK(e.code() == ErrorCode::invalid);
  std::vector<std::string> fields;
  for (const auto& f : e.field_errors()) fields.push_back(f.field);
  CHECK(fields == std::vector<std::string>{"generated_at", "products[0].name",
                                           "products[1].pictures[0].sha256"});
}

TEST_CASE("an offer price with more than two decimal places is refused, not rounded") {
  auto in = offers_input();
  in.prices[2]["prices"] = json::parse(R"j([{"from":"2024-02-01","price":"3200.005"}])j");
  const Error e = opora::test::error_of([&] { cml::offers_xml(in); });
  REQUIRE(e.field_errors().size() == 1);
  CHECK(e.field_errors()[0].field == "prices[2].prices[0].price");
}

TEST_CASE("a file that is not CommerceML is refused naming what was expected") {
  const Error e =
      opora::test::error_of([] { cml::parse_orders("<?xml version=\"1.0\"?><root/>"); });
  CHECK(e.code() == ErrorCode::invalid);
  CHECK(std::string(e.what()).find("КоммерческаяИнформация") != std::string::npos);
}

}  // namespace
