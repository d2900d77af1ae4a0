// A packet's VAT and the 2026 invoice requisites, through Database::call.
// Issue 13 (f): VAT has one home, the registry's line computation with the
// rate taken by date from the tax-rate data (billing.tax.*); (g): the
// requisites Federal Law 425-FZ added to invoices from 2026.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>

#include "edo/edo_fixture.hpp"
#include "store/sqlite.hpp"

namespace {

using namespace opora::test::edo;
using opora::test::reg::has_error;

json::object validate_act(EdoDb& db, const json::object& doc) {
  return db.validate(packet_id(db.packet(json::array{db.put(doc)})));
}

json::object act_at(const char* rate, const char* date = "2026-11-20") {
  auto doc = opora::test::reg::act(date);
  doc["items"].as_array()[0].as_object()["vat_rate"] = rate;
  return doc;
}

}  // namespace

// The packet check had its own VAT arithmetic on raw integers and the rates
// and dates in the code (20 % until 2025-12-31, 22 % from 2026-01-01, and a
// fixed list 0, 5, 7, 10, 20, 22). Now a rate is valid on a supply date when
// the tax-rate data says so, and the data can change without a release.
// The data ships the statutory rates with their dates.
TEST_CASE("a packet's VAT rate is checked by date against the tax-rate data, not the code") {
  EdoDb db;
  // The USN rates are shipped from their law's date (176-FZ: 2025-01-01).
  CHECK(validate_act(db, act_at("5")).at("valid") == true);
  db.call("edo.packet.cancel", json::object{{"packet", 1}});
  CHECK(validate_act(db, act_at("7", "2025-01-01")).at("valid") == true);
  db.call("edo.packet.cancel", json::object{{"packet", 2}});
  CHECK(has_problem(validate_act(db, act_at("7", "2024-12-31")), "documents[0].items[0].vat_rate",
                    "vat_rate_date"));
  // 18 % (the rate until 2018) is in no row of the shipped data...
  const auto v18 = validate_act(db, act_at("18"));
  CAPTURE(problems_text(v18));
  CHECK(has_problem(v18, "documents[0].items[0].vat_rate", "vat_rate"));
  // ...until the host defines it, from its date.
  db.call("billing.tax.define",
          R"({"tax": "ru_vat_18", "rate": "18", "valid_from": "2027-01-01"})");
  db.call("edo.packet.cancel", json::object{{"packet", 4}});
  CHECK(has_problem(validate_act(db, act_at("18")), "documents[0].items[0].vat_rate",
                    "vat_rate_date"));
  CHECK(validate_act(db, act_at("18", "2027-01-15")).at("problems").as_array().size() == 1);
  // (dated after today: the only problem is future_date)

  // The general rate by date, as the data has it: 20 % until 2025-12-31.
  CHECK(has_problem(validate_act(db, act_at("20")), "documents[0].items[0].vat_rate",
                    "vat_rate_date"));
  const auto v22 = validate_act(db, act_at("22", "2025-12-31"));
  CHECK(has_problem(v22, "documents[0].items[0].vat_rate", "vat_rate_date"));
  CHECK(validate_act(db, act_at("20", "2025-12-31")).at("valid") == true);
  // A change of law is a new row, and the check follows it.
  db.call("billing.tax.define", R"({"tax": "ru_vat", "rate": "10", "valid_from": "2026-11-01"})");
  CHECK(has_problem(validate_act(db, act_at("22")), "documents[0].items[0].vat_rate",
                    "vat_rate_date"));
  CHECK(validate_act(db, act_at("22", "2026-10-31")).at("valid") == true);
}

// The amounts of a stored document are checked by the registry's own line
// computation (compute_line, Money::mul_div): a document whose stored VAT
// disagrees (written by an older version, or an import) is a problem, and the
// expected amount is the registry's, to the kopeck.
TEST_CASE("a stored line whose VAT the registry would not compute is a problem") {
  EdoDb db;
  const int64_t id = db.put(opora::test::reg::act("2026-11-20"));
  const auto stored = db.call("registry.get", json::object{{"document", id}});
  CHECK(stored.at("items").at(0).at("vat") == "21639.34");  // 120000 × 22 / 122, half up
  // Tamper with the stored body as an older writer might have left it.
  auto& conn = db.db().connection();
  auto st = conn.cached(
      conn.engine() == opora::store::Engine::postgresql
          ? "UPDATE document SET body = jsonb_set(jsonb_set(body::jsonb, '{items,0,vat}', "
            "'\"21639.35\"'), '{items,0,net}', '\"98360.65\"')::text WHERE id = ?1"
          : "UPDATE document SET body = json_set(body, '$.items[0].vat', '21639.35', "
            "'$.items[0].net', '98360.65') WHERE id = ?1");
  st->bind(1, id);
  st->run();
  const auto v = db.validate(packet_id(db.packet(json::array{id})));
  CAPTURE(problems_text(v));
  CHECK(has_problem(v, "documents[0].items[0].vat", "vat_amount"));
  CHECK(has_problem(v, "documents[0].items[0].gross", "sum"));
  CHECK(has_problem(v, "documents[0].totals", "totals"));
}

// 425-FZ, Tax Code art. 169 p. 6 from 2026: a sole trader's invoice gives
// the OGRNIP and the date it was assigned (ДатаОГРНИП in format 5.03).
TEST_CASE("a sole trader sending a UPD gives its OGRNIP with the date, and the UPD writes both") {
  EdoDb db;
  auto ip = obj(R"({"code": "our_ip", "role": "our", "type": "sole_trader",
    "inn": "500100732259", "last_name": "Иванова", "first_name": "Мария", "middle_name": "Петровна",
    "ogrn": "304500116000157", "address": "141400, г. Химки, ул. Ленина, д. 1",
    "participant_id": "2BM-500100732259-20220728100415408170", "box_id": "ip@diadoc.ru",
    "signer": {"last_name": "Иванова", "first_name": "Мария", "position": "Индивидуальный предприниматель"}})");
  db.call("edo.party.put", ip);
  auto doc = opora::test::reg::act("2026-11-20");
  doc["kind"] = "upd";
  doc["organization"] = obj(R"({"type": "sole_trader", "name": "ИП Иванова Мария Петровна",
                                "inn": "500100732259"})");
  const int64_t upd = db.put(doc);
  const int64_t packet =
      packet_id(db.call("edo.packet.create", json::object{{"documents", json::array{upd}},
                                                          {"sender", "our_ip"},
                                                          {"recipient", "bitrix24:company:7"},
                                                          {"operator", "diadoc"}}));
  const auto v = db.validate(packet);
  CAPTURE(problems_text(v));
  CHECK(has_problem(v, "sender.ogrn_date", "required"));
  ip["ogrn_date"] = "2004-12-15";
  db.call("edo.party.put", ip);
  const auto fixed = db.validate(packet);
  CAPTURE(problems_text(fixed));
  REQUIRE(fixed.at("valid") == true);
  const File f = file_of(db.render(packet));
  CHECK(f.text.find("<СвИП ИННФЛ=\"500100732259\" ОГРНИП=\"304500116000157\" "
                    "ДатаОГРНИП=\"15.12.2004\">") != std::string::npos);
  CHECK(xmllint_upd(f.name, f.bytes) == 0);
  // The date of an OGRNIP without the number is refused where it is stored.
  auto no_number = ip;
  no_number.erase("ogrn");
  CHECK(has_error(db.error("edo.party.put", no_number), "ogrn", "required"));
}

// 425-FZ, Tax Code art. 169 p. 5 subp. 4 from 2026: a shipment invoice that
// offsets a prepayment gives the advance invoice's number and date. The
// registry document carries them in custom.prepayments.
TEST_CASE("a UPD offsetting prepayments names their payment documents and advance invoices") {
  EdoDb db;
  auto doc = opora::test::reg::act("2026-11-20");
  doc["kind"] = "upd";
  doc["custom"] = json::parse(R"({"prepayments": [
      {"payment_number": "512", "payment_date": "2026-11-02", "amount": "50000.00",
       "invoice_number": "АВ-15", "invoice_date": "2026-11-03"}]})");
  const int64_t packet = packet_id(db.packet(json::array{db.put(doc)}));
  const auto v = db.validate(packet);
  CAPTURE(problems_text(v));
  REQUIRE(v.at("valid") == true);
  const File f = file_of(db.render(packet));
  CHECK(f.text.find("<СвПРД НомерПРД=\"512\" ДатаПРД=\"02.11.2026\" СуммаПРД=\"50000.00\"/>") !=
        std::string::npos);
  CHECK(f.text.find("<ТекстИнф Идентиф=\"СчФНаАванс\" Значен=\"№ АВ-15 от 03.11.2026\"/>") !=
        std::string::npos);
  CHECK(xmllint_upd(f.name, f.bytes) == 0);

  // What is missing or malformed is named where the registry keeps it.
  auto bad = opora::test::reg::act("2026-11-20");
  bad["kind"] = "upd";
  bad["custom"] = json::parse(R"({"prepayments": [
      {"payment_number": "1234567890123456789012345678901", "payment_date": "2026-02-30",
       "invoice_number": "АВ-16"}, "АВ-17", {"invoice_no": "1"}]})");
  const auto problems = db.validate(packet_id(db.packet(json::array{db.put(bad)})));
  CAPTURE(problems_text(problems));
  const std::string at = "documents[0].custom.prepayments";
  CHECK(has_problem(problems, at + "[0].payment_date", "date"));
  CHECK(has_problem(problems, at + "[0].invoice_date", "required"));
  CHECK(has_problem(problems, at + "[0].payment_number", "length"));
  CHECK(has_problem(problems, at + "[1]", "type"));
  CHECK(has_problem(problems, at + "[2].invoice_no", "unknown"));
  CHECK(has_problem(problems, at + "[2].invoice_number", "required"));
}
