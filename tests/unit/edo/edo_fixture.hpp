// Shared by the EDO tests: a database on a manual clock (2026-11-23 09:00
// Moscow time), our organisation and counterparties with real-shaped
// requisites, documents in the registry, and xmllint against the FNS schema.
#pragma once

#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "core/base64.hpp"
#include "core/cp1251.hpp"
#include "edo/upd_file_name.hpp"
#include "registry/registry_fixture.hpp"

namespace opora::test::edo {

namespace json = boost::json;
using reg::obj;

// The id of a packet as edo.packet.create (and the other packet methods) return it.
inline int64_t packet_id(const json::object& packet) {
  return packet.at("packet").as_int64();
}

// ООО «Вектор» (SKB Kontur's published INN), a Diadoc box, a director who
// signs by position.
inline const char* const kVector = R"({
  "code": "our", "role": "our", "type": "company", "name": "ООО «Вектор»",
  "inn": "6663003127", "kpp": "666301001", "ogrn": "1027700132195",
  "address": "620017, г. Екатеринбург, пр-т Космонавтов, д. 56",
  "participant_id": "2BM-6663003127-666301001-202207281004154081709",
  "box_id": "a1b2c3d4@diadoc.ru",
  "signer": {"last_name": "Сидоров", "first_name": "Павел", "middle_name": "Андреевич",
             "position": "Генеральный директор", "authority": 1},
  "bank": {"account": "40702810200000000001", "bik": "044525225", "bank_name": "ПАО Сбербанк",
           "corr_account": "30101810400000000225"}})";

// ООО «Ромашка» (Sberbank's published INN), electronic exchange through Diadoc.
inline const char* const kRomashka = R"({
  "code": "bitrix24:company:7", "role": "counterparty", "type": "company",
  "name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "773601001",
  "address": "117997, г. Москва, ул. Вавилова, д. 19",
  "participant_id": "2BM-7707083893-773601001-201911151206271234567",
  "box_id": "e5f6a7b8@diadoc.ru", "exchange": "electronic"})";

class EdoDb : public reg::RegistryDb {
 public:
  static constexpr const char* kOptions =
      R"({"clock": "manual", "now": "2026-11-23T09:00:00+03:00", "utc_offset": "+03:00"})";

  explicit EdoDb(std::string_view options = kOptions) : reg::RegistryDb(options) {
    call("edo.party.put", kVector);
    call("edo.party.put", kRomashka);
  }

  // An act for ООО «Ромашка», numbered, two items at 22 %.
  int64_t act(const char* date = "2026-11-20") {
    json::object doc = reg::act(date);
    doc["items"] = json::parse(R"([
      {"name": "Внедрение интеграции Битрикс24 и 1С", "unit": "усл. ед.", "quantity": "1",
       "price": "120000.00", "vat_rate": "22"},
      {"name": "Сопровождение <24/7> & обучение", "unit": "ч", "quantity": "8", "price": "3050.00",
       "vat_rate": "22"}])");
    return put(doc);
  }
  int64_t put(const json::object& doc) {
    const auto out = call("registry.put", doc);
    return out.at("id").as_int64();
  }
  json::object packet(const json::array& documents, const char* op = "diadoc") {
    return call("edo.packet.create", json::object{{"documents", documents},
                                                  {"sender", "our"},
                                                  {"recipient", "bitrix24:company:7"},
                                                  {"operator", op}});
  }
  json::object validate(int64_t packet) {
    return call("edo.packet.validate", json::object{{"packet", packet}});
  }
  json::object render(int64_t packet) {
    return call("edo.packet.render", json::object{{"packet", packet}});
  }
  json::object event(json::object e) { return call("edo.event.apply", e); }
};

// The i-th rendered file of edo.packet.render's (or build's) answer.
struct File {
  std::string name, bytes, text;  // text: the bytes as UTF-8
};
inline File file_of(const json::object& rendered, size_t i = 0) {
  const auto& f = rendered.at("files").as_array().at(i).as_object();
  File out;
  out.name = std::string(f.at("name").as_string());
  out.bytes = opora::base64_decode_field(f.at("content_base64").as_string(), "content_base64");
  out.text = opora::cp1251_to_utf8(out.bytes).value_or("");
  return out;
}

// Whether `e` has a problem at `field` with `rule`.
inline bool has_problem(const json::object& validated, const std::string& field,
                        const std::string& rule) {
  for (const auto& p : validated.at("problems").as_array())
    if (p.at("field") == field.c_str() && p.at("rule") == rule.c_str()) return true;
  return false;
}

inline std::string problems_text(const json::object& validated) {
  std::string s;
  for (const auto& p : validated.at("problems").as_array())
    s += std::string(p.at("field").as_string()) + ": " + std::string(p.at("rule").as_string()) +
         " (" + std::string(p.at("message").as_string()) + ")\n";
  return s;
}

// Runs xmllint with the official UPD 5.03 schema over `bytes` written as
// `name`; returns its exit status (0: valid). Missing xmllint fails.
inline int xmllint_upd(const std::string& name, const std::string& bytes) {
  check_upd_file_name(name, bytes);
  const auto dir = std::filesystem::temp_directory_path() / "opora-edo-xsd";
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  {
    std::ofstream out(path, std::ios::binary);
    out << bytes;
  }
  const std::string cmd = std::string("xmllint --noout --schema '") + OPORA_FNS_SCHEMA_DIR +
                          "/ON_NSCHFDOPPR_1_997_01_05_03_05.xsd' '" + path.string() + "' 2>" +
                          (dir / "xmllint.err").string();
  const int rc = std::system(cmd.c_str());
  if (rc != 0) {
    std::ifstream err(dir / "xmllint.err");
    std::string text((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
    MESSAGE("xmllint: " << text);
  }
  return rc;
}

}  // namespace opora::test::edo
