// Exchange benchmark (issue 14), through the calls a host makes
// (engine::Database::call with the exchange.* and catalog.* methods; the
// message object goes from one file's result to the other's params as it is):
//
//  1. first_load: a central file with P products, 3 x P stock rows (three
//     warehouses) and P orders; a node pulls them with exchange.snapshot
//     pages (catalog, stock, orders) and takes each with exchange.in on its
//     own file, acknowledging back (node's exchange.out -> centre's
//     exchange.in). Beside it, the limit: raw SQLite inserts of the same rows
//     (the bodies the pages carried) into tables with the columns and indexes
//     of catalog_product, catalog_stock and document, one prepared INSERT per
//     row, one transaction, same run.
//  2. incremental: N orders on the centre; a node defined after loading, so
//     only changed orders are registered for it; C orders changed (a first
//     round seeds the node with them), then changed again and timed:
//     exchange.out on the centre (max_objects C) and exchange.in on the node.
//     The same at N/10 orders shows what producing costs grows with the
//     changes, not the database.
//  3. overhead: bytes per changed order in a message against the order's
//     canonical JSON (the serialised exchange body alone).
//
//   opora_bench_exchange [all|first_load|incremental] [size] [changes=10000] [dir=/tmp]
//                        [page=5000]
// size: first_load: products (default 100,000); incremental: orders (default
// 1,000,000; the small point is size/10); all: the incremental size, the
// first load taking size/10 products.
#include <sqlite3.h>
#include <sys/resource.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "engine/database.hpp"
#include "opora/opora.h"
#include "store/sqlite.hpp"

namespace {

namespace json = boost::json;
using opora::engine::Database;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}
// CPU seconds of this process (the wall clock counts other processes' time
// on this shared machine too).
double cpu_now() {
  return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
}

// Wall and CPU time of a stretch of work, accumulated.
struct Timer {
  double wall = 0, cpu = 0;
  template <typename F>
  auto run(F&& f) {
    const auto t = Clock::now();
    const double c = cpu_now();
    struct Add {
      Timer& timer;
      Clock::time_point t;
      double c;
      ~Add() {
        timer.wall += since(t);
        timer.cpu += cpu_now() - c;
      }
    } add{*this, t, c};
    return f();
  }
};

const char* const kOptions =
    R"({"synchronous": "normal", "clock": "manual", "now": "2026-03-02T09:00:00+03:00", "utc_offset": "+03:00"})";
const char* const kSecret = "bench-secret-bench-secret-bench-secret-42";

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

std::unique_ptr<Database> open_db(const std::string& path) {
  remove_db(path);
  return std::make_unique<Database>(
      path, opora::engine::OpenOptions::parse(json::parse(kOptions).as_object()));
}

json::object call(Database& db, const char* method, json::object params) {
  try {
    return db.call(method, std::move(params));
  } catch (const opora::Error& e) {
    std::fprintf(stderr, "bench: %s: %s\n", method, e.what());
    std::exit(1);
  }
}

std::string product_code(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "P%07d", i);
  return buf;
}

const char* const kWords[] = {"Венок",   "Лента", "Гроб",  "Крест",  "Урна",    "Табличка",
                              "Корзина", "Букет", "Свеча", "Покров", "Подушка", "Рамка"};

json::object product(int i) {
  return {{"product", product_code(i)},
          {"name", std::string(kWords[i % 12]) + " модель " + std::to_string(i)},
          {"article", "A-" + std::to_string(100000 + i)},
          {"group",
           std::string("Группа ") + std::to_string(i % 20) + "/Подгруппа " + std::to_string(i % 7)},
          {"vat_rate", "22"}};
}

// A small order: one line; naming a catalogue product (first load, where
// the node takes the catalogue first) or not (incremental, a node without it).
json::object order(int i, bool with_product) {
  json::object item{{"quantity", std::to_string(1 + i % 5)},
                    {"price", std::to_string(1000 + i % 9000) + ".00"}};
  if (with_product) {
    item["product"] = product_code(i);
  } else {
    item["name"] = std::string(kWords[i % 12]) + " модель " + std::to_string(i);
    item["vat_rate"] = "none";
  }
  return {
      {"kind", "order"},
      {"date", "2026-03-02"},
      {"organization",
       {{"type", "company"}, {"name", "ООО «ГРС»"}, {"inn", "7707083893"}, {"kpp", "773601001"}}},
      {"counterparty", {{"type", "person"}, {"name", "Иванова Анна"}}},
      {"items", json::array{item}},
      {"custom", {{"manager", "m" + std::to_string(i % 50)}}}};
}

// Orders [from, to) with registry.put_many, 10,000 a call (each call its own
// transaction); returns their ids.
std::vector<int64_t> load_orders(Database& db, int from, int to, bool with_product) {
  std::vector<int64_t> ids;
  for (int i = from; i < to;) {
    json::array docs;
    for (int j = 0; j < 10000 && i < to; ++j, ++i) docs.push_back(order(i, with_product));
    const json::object r = call(db, "registry.put_many", {{"documents", std::move(docs)}});
    for (const auto& d : r.at("documents").as_array()) ids.push_back(d.at("id").as_int64());
  }
  return ids;
}

void pair_up(Database& centre, Database& node, const std::string& code, json::array streams) {
  call(node, "exchange.setup", {{"node", code}, {"role", "node"}, {"prefix", "N1"}});
  call(node, "exchange.node.put",
       {{"node", "centre"}, {"kind", "centre"}, {"streams", streams}, {"secret", kSecret}});
  call(centre, "exchange.node.put",
       {{"node", code}, {"kind", "tablet"}, {"streams", streams}, {"secret", kSecret}});
}

// The node's acknowledgement carried back to the centre.
void ack_back(Database& centre, Database& node, const std::string& code) {
  json::object a = call(node, "exchange.out", {{"node", "centre"}});
  call(centre, "exchange.in", {{"node", code}, {"message", std::move(a.at("message"))}});
}

// ---- 1. first load ------------------------------------------------------------

// Bodies as the pages carried them, for the raw limit.
struct Rows {
  std::vector<std::string> product_uid, product_code, product_name, product_body;
  std::vector<std::string> stock_uid, stock_quantity;
  std::vector<std::string> doc_uid, doc_number, doc_body;
};

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "bench: sql: %s\n", err);
    std::exit(1);
  }
}

sqlite3_stmt* prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "bench: prepare: %s\n", sqlite3_errmsg(db));
    std::exit(1);
  }
  return st;
}

void step(sqlite3* db, sqlite3_stmt* st) {
  if (sqlite3_step(st) != SQLITE_DONE) {
    std::fprintf(stderr, "bench: step: %s\n", sqlite3_errmsg(db));
    std::exit(1);
  }
  sqlite3_reset(st);
}

// The limit: the same rows into tables with the columns and indexes of
// catalog_product, catalog_stock and document, text prepared in advance, one
// prepared INSERT per row, one transaction.
Timer raw_first_load(const std::string& path, const Rows& r) {
  remove_db(path);
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  exec(db,
       "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
       "CREATE TABLE catalog_product (id INTEGER PRIMARY KEY, uid TEXT NOT NULL UNIQUE, code "
       "TEXT NOT NULL UNIQUE, name TEXT NOT NULL, grp TEXT, list_rank INTEGER NOT NULL, search "
       "TEXT NOT NULL, removed INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL DEFAULT 1, "
       "body TEXT NOT NULL) STRICT;"
       "CREATE INDEX catalog_product_list ON catalog_product (removed, list_rank, name, code);"
       "CREATE TABLE catalog_stock (uid TEXT PRIMARY KEY, warehouse_id INTEGER NOT NULL, "
       "product_id INTEGER NOT NULL, variant_id INTEGER NOT NULL, quantity TEXT NOT NULL) "
       "STRICT, WITHOUT ROWID;"
       "CREATE INDEX catalog_stock_product ON catalog_stock (product_id, variant_id);"
       "CREATE TABLE document (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, number TEXT NOT NULL, "
       "number_scope TEXT NOT NULL, date TEXT NOT NULL, cp_tax_id TEXT, currency TEXT NOT NULL, "
       "gross INTEGER, status TEXT NOT NULL, is_final INTEGER NOT NULL, valid_from TEXT, "
       "valid_to TEXT, supersedes INTEGER, superseded_by INTEGER, chain_id INTEGER, deleted "
       "INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL, created_at TEXT NOT NULL, "
       "updated_at TEXT NOT NULL, body TEXT NOT NULL, uid TEXT) STRICT;"
       "CREATE INDEX document_number ON document (number_scope, number);"
       "CREATE INDEX document_counterparty ON document (cp_tax_id, date, id) WHERE cp_tax_id IS "
       "NOT NULL;"
       "CREATE INDEX document_kind_date ON document (kind, date, id);"
       "CREATE INDEX document_valid_to ON document (kind, valid_to) WHERE valid_to IS NOT NULL;"
       "CREATE UNIQUE INDEX document_uid ON document (uid);");
  sqlite3_stmt* prod = prepare(
      db,
      "INSERT INTO catalog_product (uid, code, name, grp, list_rank, search, body) VALUES (?1, "
      "?2, ?3, 'Группа/Подгруппа', 2000000000, ?3, ?4)");
  sqlite3_stmt* stock = prepare(db,
                                "INSERT INTO catalog_stock (uid, warehouse_id, product_id, "
                                "variant_id, quantity) VALUES (?1, ?2, ?3, 0, ?4)");
  sqlite3_stmt* doc =
      prepare(db,
              "INSERT INTO document (kind, number, number_scope, date, cp_tax_id, currency, gross, "
              "status, is_final, version, created_at, updated_at, body, uid) VALUES ('order', ?1, "
              "'order|7707083893', '2026-03-02', NULL, 'RUB', 300000, 'new', 0, 1, "
              "'2026-03-02T06:00:00Z', '2026-03-02T06:00:00Z', ?2, ?3)");
  Timer t;
  t.run([&] {
    exec(db, "BEGIN");
    for (size_t i = 0; i < r.product_uid.size(); ++i) {
      sqlite3_bind_text(prod, 1, r.product_uid[i].c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(prod, 2, r.product_code[i].c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(prod, 3, r.product_name[i].c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(prod, 4, r.product_body[i].c_str(), -1, SQLITE_STATIC);
      step(db, prod);
    }
    const auto products = static_cast<int64_t>(std::max<size_t>(1, r.product_uid.size()));
    for (size_t i = 0; i < r.stock_uid.size(); ++i) {
      sqlite3_bind_text(stock, 1, r.stock_uid[i].c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_int64(stock, 2, 1 + static_cast<int64_t>(i) / products);
      sqlite3_bind_int64(stock, 3, 1 + static_cast<int64_t>(i) % products);
      sqlite3_bind_text(stock, 4, r.stock_quantity[i].c_str(), -1, SQLITE_STATIC);
      step(db, stock);
    }
    for (size_t i = 0; i < r.doc_uid.size(); ++i) {
      sqlite3_bind_text(doc, 1, r.doc_number[i].c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(doc, 2, r.doc_body[i].c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(doc, 3, r.doc_uid[i].c_str(), -1, SQLITE_STATIC);
      step(db, doc);
    }
    exec(db, "COMMIT");
  });
  for (auto* st : {prod, stock, doc}) sqlite3_finalize(st);
  sqlite3_close(db);
  remove_db(path);
  return t;
}

struct StreamTimes {
  explicit StreamTimes(const char* name) : stream(name) {}
  const char* stream;
  int64_t objects = 0, pages = 0, bytes = 0;
  Timer produce, apply, ack;
};

void first_load(const std::string& dir, int products, int page) {
  const int orders = products;
  std::printf(
      "\n1. First load: %d products, %d stock rows (3 warehouses), %d orders; pages of %d\n",
      products, 3 * products, orders, page);
  const std::string centre_path = dir + "/opora-bench-exchange-centre.db";
  const std::string node_path = dir + "/opora-bench-exchange-node.db";
  auto centre = open_db(centre_path);
  auto node = open_db(node_path);
  call(*centre, "exchange.setup", {{"node", "centre"}, {"role", "centre"}});

  // Setup (not measured as the exchange): products through catalog.product.put,
  // 10,000 to a transaction; stock through catalog.stock.set; orders through
  // registry.put_many.
  const auto t0 = Clock::now();
  for (int i = 0; i < products;) {
    opora::store::Transaction tx(centre->connection());
    for (int j = 0; j < 10000 && i < products; ++j, ++i)
      call(*centre, "catalog.product.put", product(i));
    tx.commit();
  }
  const double put_products = since(t0);
  const auto t1 = Clock::now();
  for (int w = 1; w <= 3; ++w) {
    const std::string wh = "W" + std::to_string(w);
    call(*centre, "catalog.warehouse.put", {{"warehouse", wh}, {"name", "Склад " + wh}});
    for (int i = 0; i < products;) {
      json::array rows;
      for (int j = 0; j < 100000 && i < products; ++j, ++i)
        rows.push_back(json::object{{"product", product_code(i)},
                                    {"quantity", std::to_string((i * 7 + w) % 500) + ".000"}});
      call(*centre, "catalog.stock.set", {{"warehouse", wh}, {"rows", std::move(rows)}});
    }
  }
  const double set_stock = since(t1);
  const auto t2 = Clock::now();
  load_orders(*centre, 0, orders, true);
  const double put_orders = since(t2);
  std::printf(
      "  setup: catalog.product.put %.1f s (%.0f/s), catalog.stock.set %.1f s, registry.put_many "
      "%.1f s (%.0f/s)\n",
      put_products, products / put_products, set_stock, put_orders, orders / put_orders);

  // The node is defined after loading: a first load goes by snapshot.
  pair_up(*centre, *node, "n1", json::array{"catalog", "stock", "orders"});

  Rows rows;
  std::vector<StreamTimes> streams{StreamTimes("catalog"), StreamTimes("stock"),
                                   StreamTimes("orders")};
  for (auto& s : streams) {
    for (;;) {
      json::object pg = s.produce.run([&] {
        return call(*centre, "exchange.snapshot",
                    {{"node", "n1"}, {"stream", s.stream}, {"limit", page}});
      });
      const bool complete = pg.at("complete").as_bool();
      s.objects += pg.at("objects").as_int64();
      s.bytes += pg.at("bytes").as_int64();
      ++s.pages;
      for (const auto& v : pg.at("message").at("objects").as_array()) {
        const auto& e = v.as_object();
        const auto& body = e.at("body").as_object();
        const std::string uid(e.at("uid").as_string());
        const auto& type = e.at("type").as_string();
        if (type == "product") {
          rows.product_uid.push_back(uid);
          rows.product_code.emplace_back(body.at("product").as_string());
          rows.product_name.emplace_back(body.at("name").as_string());
          rows.product_body.push_back(json::serialize(body));
        } else if (type == "stock") {
          rows.stock_uid.push_back(uid);
          rows.stock_quantity.emplace_back(body.at("quantity").as_string());
        } else if (type == "document") {
          rows.doc_uid.push_back(uid);
          rows.doc_number.emplace_back(body.at("number").as_string());
          rows.doc_body.push_back(json::serialize(body));
        }
      }
      const json::object receipt = s.apply.run([&] {
        return call(*node, "exchange.in", {{"node", "centre"}, {"message", pg.at("message")}});
      });
      if (receipt.at("status") != "applied" || !receipt.at("parked").as_array().empty()) {
        std::fprintf(stderr, "bench: page not applied whole: %s\n",
                     json::serialize(receipt).substr(0, 2000).c_str());
        std::exit(1);
      }
      s.ack.run([&] { ack_back(*centre, *node, "n1"); });
      if (complete) break;
    }
  }
  // What arrived.
  const auto count = [](Database& db, const char* sql) {
    auto st = db.connection().cached(sql);
    st->step();
    return st->int64(0);
  };
  const int64_t got_products = count(*node, "SELECT count(*) FROM catalog_product");
  const int64_t got_stock = count(*node, "SELECT count(*) FROM catalog_stock");
  const int64_t got_orders = count(*node, "SELECT count(*) FROM document WHERE kind = 'order'");
  if (got_products != products || got_stock != 3 * products || got_orders != orders) {
    std::fprintf(stderr, "bench: node holds %lld products, %lld stock rows, %lld orders\n",
                 static_cast<long long>(got_products), static_cast<long long>(got_stock),
                 static_cast<long long>(got_orders));
    std::exit(1);
  }
  centre.reset();
  node.reset();
  remove_db(centre_path);
  remove_db(node_path);

  const Timer raw = raw_first_load(dir + "/opora-bench-exchange-raw.db", rows);
  const double total =
      static_cast<double>(rows.product_uid.size() + rows.stock_uid.size() + rows.doc_uid.size());
  Timer produce, apply, ack;
  std::printf("  %-8s %8s %6s %9s | %-22s | %-22s | %s\n", "stream", "objects", "pages", "MB",
              "centre: snapshot pages", "node: exchange.in", "ack back (node out, centre in)");
  for (const auto& s : streams) {
    std::printf("  %-8s %8lld %6lld %9.1f | %7.2f s %9.0f obj/s | %7.2f s %9.0f obj/s | %.2f s\n",
                s.stream, static_cast<long long>(s.objects), static_cast<long long>(s.pages),
                static_cast<double>(s.bytes) / 1e6, s.produce.wall,
                static_cast<double>(s.objects) / s.produce.wall, s.apply.wall,
                static_cast<double>(s.objects) / s.apply.wall, s.ack.wall);
    produce.wall += s.produce.wall, produce.cpu += s.produce.cpu;
    apply.wall += s.apply.wall, apply.cpu += s.apply.cpu;
    ack.wall += s.ack.wall, ack.cpu += s.ack.cpu;
  }
  std::printf(
      "  raw sqlite3, same rows (%.0f), one transaction: %.2f s wall %.0f rows/s, %.2f s "
      "CPU %.0f rows/s\n",
      total, raw.wall, total / raw.wall, raw.cpu, total / raw.cpu);
  for (const auto& [what, t] :
       {std::pair<const char*, Timer>{"centre: producing pages", produce},
        {"node: applying pages", apply},
        {"both sides incl. acks",
         Timer{produce.wall + apply.wall + ack.wall, produce.cpu + apply.cpu + ack.cpu}}}) {
    std::printf(
        "  %-24s wall %9.0f obj/s (ratio to raw %.2f), CPU %9.0f obj/s (ratio to raw %.2f)  "
        "(goal: ratio >= 0.5)\n",
        what, total / t.wall, raw.wall / t.wall, total / t.cpu, raw.cpu / t.cpu);
  }
}

// ---- 2 and 3. incremental and overhead -------------------------------------------

struct Round {
  int64_t objects = 0, messages = 0, bytes = 0, body_bytes = 0;
  Timer out, in, ack;
};

// Changes `changes` orders spread over the file (registry.put_many, setup),
// then carries every registered change to the node: exchange.out on the
// centre, exchange.in on the node, the acknowledgement back.
Round change_and_carry(Database& centre, Database& node, const std::string& code,
                       const std::vector<int64_t>& ids, int changes, int round) {
  const size_t stride = std::max<size_t>(1, ids.size() / static_cast<size_t>(changes));
  for (int i = 0; i < changes;) {
    json::array docs;
    for (int j = 0; j < 10000 && i < changes; ++j, ++i)
      docs.push_back(json::object{
          {"id", ids[(static_cast<size_t>(i) * stride) % ids.size()]},
          {"notes", "изменение " + std::to_string(round) + " заказа " + std::to_string(i)}});
    call(centre, "registry.put_many", {{"documents", std::move(docs)}});
  }
  Round r;
  for (;;) {
    json::object m = r.out.run([&] {
      return call(centre, "exchange.out", {{"node", code}, {"max_objects", changes}});
    });
    if (m.at("kind") == "ack") break;
    ++r.messages;
    r.objects += m.at("objects").as_int64();
    r.bytes += m.at("bytes").as_int64();
    for (const auto& e : m.at("message").at("objects").as_array())
      r.body_bytes += static_cast<int64_t>(json::serialize(e.at("body")).size());
    const json::object receipt = r.in.run([&] {
      return call(node, "exchange.in", {{"node", "centre"}, {"message", m.at("message")}});
    });
    if (receipt.at("status") != "applied" || !receipt.at("parked").as_array().empty()) {
      std::fprintf(stderr, "bench: message not applied whole: %s\n",
                   json::serialize(receipt).substr(0, 2000).c_str());
      std::exit(1);
    }
    r.ack.run([&] { ack_back(centre, node, code); });
  }
  if (r.objects != changes) {
    std::fprintf(stderr, "bench: %lld objects carried for %d changes\n",
                 static_cast<long long>(r.objects), changes);
    std::exit(1);
  }
  return r;
}

Round measure_at(Database& centre, const std::string& node_path, const std::string& code,
                 const std::vector<int64_t>& ids, int changes) {
  auto node = open_db(node_path);
  pair_up(centre, *node, code, json::array{"orders"});
  // First round: the node takes the changed orders it did not hold.
  const Round seed = change_and_carry(centre, *node, code, ids, changes, 1);
  // Second: the same orders change again; the node holds them.
  const Round r = change_and_carry(centre, *node, code, ids, changes, 2);
  std::printf(
      "  %8zu orders, %d changed (node holds them): exchange.out %.3f s wall (%.3f CPU), "
      "exchange.in %.3f s wall (%.3f CPU), ack back %.3f s; %lld message(s), %.1f MB  "
      "(goal: <= 1 s each side)\n",
      ids.size(), changes, r.out.wall, r.out.cpu, r.in.wall, r.in.cpu, r.ack.wall,
      static_cast<long long>(r.messages), static_cast<double>(r.bytes) / 1e6);
  std::printf(
      "  %8s        first round (node lacked them, creates): exchange.out %.3f s, exchange.in "
      "%.3f s\n",
      "", seed.out.wall, seed.in.wall);
  node.reset();
  remove_db(node_path);
  call(centre, "exchange.node.revoke", {{"node", code}});
  return r;
}

void incremental(const std::string& dir, int orders, int changes) {
  const int small = std::max(changes, orders / 10);
  std::printf("\n2. Incremental: %d changed orders at %d and %d orders on the central file\n",
              changes, small, orders);
  const std::string centre_path = dir + "/opora-bench-exchange-centre.db";
  const std::string node_path = dir + "/opora-bench-exchange-node.db";
  auto centre = open_db(centre_path);
  call(*centre, "exchange.setup", {{"node", "centre"}, {"role", "centre"}});
  const auto t0 = Clock::now();
  std::vector<int64_t> ids = load_orders(*centre, 0, small, false);
  std::printf("  setup: %d orders by registry.put_many in %.1f s\n", small, since(t0));
  const Round at_small = measure_at(*centre, node_path, "n-small", ids, changes);
  const auto t1 = Clock::now();
  const std::vector<int64_t> more = load_orders(*centre, small, orders, false);
  ids.insert(ids.end(), more.begin(), more.end());
  std::printf("  setup: %d more orders in %.1f s\n", orders - small, since(t1));
  const Round at_large = measure_at(*centre, node_path, "n-large", ids, changes);
  std::printf(
      "  exchange.out for %d changes: %.3f s at %d orders, %.3f s at %d (x%.2f for x%.0f "
      "the orders)\n",
      changes, at_small.out.wall, small, at_large.out.wall, orders,
      at_large.out.wall / at_small.out.wall, static_cast<double>(orders) / small);

  std::printf("\n3. Message overhead (the changes messages above, %d orders)\n", changes);
  std::printf(
      "  %.0f bytes per changed order in a message; its canonical JSON (the exchange body "
      "alone) %.0f bytes: overhead %.0f bytes (%.0f %%)\n",
      static_cast<double>(at_large.bytes) / static_cast<double>(at_large.objects),
      static_cast<double>(at_large.body_bytes) / static_cast<double>(at_large.objects),
      static_cast<double>(at_large.bytes - at_large.body_bytes) /
          static_cast<double>(at_large.objects),
      100.0 * static_cast<double>(at_large.bytes - at_large.body_bytes) /
          static_cast<double>(at_large.body_bytes));
  centre.reset();
  remove_db(centre_path);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string part = argc > 1 ? argv[1] : "all";
  const int size = argc > 2 ? std::atoi(argv[2]) : 0;
  const int changes = argc > 3 ? std::atoi(argv[3]) : 10000;
  const std::string dir = argc > 4 ? argv[4] : "/tmp";
  const int page = argc > 5 ? std::atoi(argv[5]) : 5000;
  if (part != "all" && part != "first_load" && part != "incremental") {
    std::fprintf(stderr,
                 "usage: opora_bench_exchange [all|first_load|incremental] [size] "
                 "[changes=10000] [dir=/tmp] [page=5000]\n");
    return 2;
  }
  std::printf("opora %s, SQLite %s\n", opora_version(), sqlite3_libversion());
  if (part == "first_load") first_load(dir, size > 0 ? size : 100000, page);
  if (part == "incremental") incremental(dir, size > 0 ? size : 1000000, changes);
  if (part == "all") {
    const int orders = size > 0 ? size : 1000000;
    first_load(dir, orders / 10, page);
    incremental(dir, orders, changes);
  }
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("peak memory (ru_maxrss): %.0f MB\n", static_cast<double>(ru.ru_maxrss) / 1024.0);
  return 0;
}
