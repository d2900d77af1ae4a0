// Shared by the registry tests: a database with a manual clock, realistic
// parties and documents, and helpers to read results and field errors.
// Every call goes through Database::call, the path the C ABI takes.
#pragma once

#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "engine/database.hpp"
#include "test_support.hpp"

namespace opora::test::reg {

namespace json = boost::json;

inline json::object obj(std::string_view text) {
  return json::parse(text).as_object();
}

// Our organisation: ООО «Вектор» (SKB Kontur's published INN).
inline const char* const kOurOrg =
    R"({"type": "company", "name": "ООО «Вектор»", "inn": "6663003127", "kpp": "666301001"})";
// A second organisation of the same holding (Gazprom's published INN).
inline const char* const kOurSecondOrg =
    R"({"type": "company", "name": "ООО «Вектор-Север»", "inn": "7830002293", "kpp": "781001001"})";
// The usual counterparty: a company with a valid INN and KPP.
inline const char* const kRomashka =
    R"({"type": "company", "name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "773601001"})";
// A sole trader: 12-digit INN, no KPP.
inline const char* const kSoleTrader =
    R"({"type": "sole_trader", "name": "ИП Петров Иван Сергеевич", "inn": "500100732259"})";

// What a C ABI host would see for `f`: ok, the opora::Error's code, or
// internal for any other exception (opora_db_call maps those to
// OPORA_EINTERNAL, which for bad input is a bug).
template <typename F>
ErrorCode outcome(F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const Error& e) {
    return e.code();
  } catch (const std::exception& e) {
    MESSAGE("non-opora exception: " << std::string(e.what()));
    return ErrorCode::internal;
  }
  return ErrorCode::ok;
}

// Whether `e` lists a problem of `field` with `rule`.
inline bool has_error(const Error& e, std::string_view field, std::string_view rule) {
  for (const auto& f : e.field_errors())
    if (f.field == field && f.rule == rule) return true;
  return false;
}
// Any field error on `field`, whatever its rule.
inline bool has_error(const Error& e, std::string_view field) {
  for (const auto& f : e.field_errors())
    if (f.field == field) return true;
  return false;
}

// The field errors as "field: rule" lines, for CAPTURE and messages.
inline std::string describe(const Error& e) {
  std::string s = std::string(error_code_text(e.code())) + " " + e.what();
  for (const auto& f : e.field_errors()) s += "\n  " + f.field + ": " + f.rule;
  return s;
}

// A registry in memory with the manual clock at 2026-11-23T09:00:00Z.
class RegistryDb {
 public:
  static constexpr const char* kDefaultOptions =
      R"({"clock": "manual", "now": "2026-11-23T09:00:00Z"})";

  explicit RegistryDb(std::string_view options = kDefaultOptions, std::string path = ":memory:")
      : db_(path, engine::OpenOptions::parse(obj(options))) {}

  engine::Database& db() { return db_; }

  json::object call(std::string_view method, const json::object& params) {
    return db_.call(method, params);
  }
  json::object call(std::string_view method, std::string_view params) {
    return db_.call(method, obj(params));
  }

  // The error a call must raise.
  Error error(std::string_view method, const json::object& params) {
    return error_of([&] { db_.call(method, params); });
  }
  Error error(std::string_view method, std::string_view params) {
    return error(method, obj(params));
  }

  json::object put(const json::object& doc) { return call("registry.put", doc); }
  json::object put(std::string_view doc) { return call("registry.put", obj(doc)); }
  json::object get(int64_t id) { return call("registry.get", json::object{{"document", id}}); }
  json::object find(std::string_view params) { return call("registry.find", params); }
  json::object search(std::string_view params) { return call("registry.search", params); }
  json::object history(int64_t id) {
    return call("registry.history", json::object{{"document", id}});
  }
  json::array entries(int64_t id) { return history(id).at("entries").as_array(); }
  json::array kinds() { return call("registry.kinds", "{}").at("kinds").as_array(); }
  std::string next_number(std::string_view params) {
    return std::string(call("registry.number.next", params).at("number").as_string());
  }
  void set_clock(std::string_view now) {
    call("clock.set", json::object{{"now", json::string(now)}});
  }

 private:
  engine::Database db_;
};

// The ids of result["documents"], in order.
inline std::vector<int64_t> ids_of(const json::object& result) {
  std::vector<int64_t> out;
  for (const auto& d : result.at("documents").as_array()) out.push_back(d.at("id").as_int64());
  return out;
}

// The numbers of result["documents"], in order.
inline std::vector<std::string> numbers_of(const json::object& result) {
  std::vector<std::string> out;
  for (const auto& d : result.at("documents").as_array())
    out.emplace_back(d.at("number").as_string());
  return out;
}

inline int64_t id_of(const json::object& doc) {
  return doc.at("id").as_int64();
}

inline std::string text(const json::value& v) {
  return std::string(v.as_string());
}

// An act of services to ООО «Ромашка» for deal 42: one line, VAT 22 %
// included. Tests change what they need.
inline json::object act(std::string_view date = "2026-11-20") {
  json::object o = obj(std::string(R"({"kind": "act", "organization": )") + kOurOrg +
                       R"(, "counterparty": )" + kRomashka + R"(,
      "refs": ["bitrix24:deal:42"],
      "items": [{"name": "Внедрение интеграции Битрикс24 и 1С", "unit": "усл",
                 "quantity": "1", "price": "120000.00", "vat_rate": "22"}]})");
  o["date"] = json::string(date);
  return o;
}

// A contract (no items) with ООО «Ромашка», valid for 2026.
inline json::object contract(std::string_view date = "2026-01-15") {
  json::object o = obj(std::string(R"({"kind": "contract", "organization": )") + kOurOrg +
                       R"(, "counterparty": )" + kRomashka + R"(,
      "refs": ["1c:contract:00-000123", "bitrix24:deal:42"],
      "valid_from": "2026-01-15", "valid_to": "2026-12-31",
      "totals": {"gross": "1464000.00", "vat": "264000.00"},
      "basis_text": "Коммерческое предложение № 17 от 10.01.2026"})");
  o["date"] = json::string(date);
  return o;
}

// `base` with `key` set to `value` (parsed JSON).
inline json::object with(json::object base, std::string_view key, std::string_view value) {
  base[key] = json::parse(value);
  return base;
}

}  // namespace opora::test::reg
