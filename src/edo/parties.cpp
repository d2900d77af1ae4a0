// Our organisations and counterparties: requisites checked with every
// problem listed, upserted by the host's code.
#include <boost/json.hpp>

#include "core/cp1251.hpp"
#include "core/error.hpp"
#include "core/json_text.hpp"
#include "core/requisites.hpp"
#include "edo/edo.hpp"
#include "edo/internal.hpp"
#include "edo/operators.hpp"
#include "store/store.hpp"

namespace opora::edo {
namespace json = boost::json;

namespace {

bool participant_id_shape(const std::string& id) {
  if (id.size() < 4 || id.size() > 46) return false;
  for (char c : id) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                    c == '@' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

// The checks a party passes on its own; packets add the ones that depend on
// the operator and the documents.
void check_party(const json::object& p, const std::string& path, FieldErrors& errors) {
  auto at = [&](const std::string& f) { return path.empty() ? f : path + "." + f; };
  const std::string type = text_of(p, "type");
  const std::string inn = text_of(p, "inn");
  const std::string kpp = text_of(p, "kpp");
  const std::string ogrn = text_of(p, "ogrn");
  if (type == "company") {
    requisites::check_inn10(inn, at("inn"), errors);
    if (kpp.empty())
      errors.add(at("kpp"), "required", "a company has a KPP (9 characters)");
    else
      requisites::check_kpp(kpp, at("kpp"), errors);
    if (!ogrn.empty()) requisites::check_ogrn(ogrn, at("ogrn"), errors);
    if (text_of(p, "name").empty()) errors.add(at("name"), "required", "the company's name");
  } else {
    requisites::check_inn12(inn, at("inn"), errors);
    if (!kpp.empty())
      errors.add(at("kpp"), "kpp_for_sole_trader", "a sole trader has no KPP; leave it out");
    if (!ogrn.empty()) requisites::check_ogrnip(ogrn, at("ogrn"), errors);
    if (text_of(p, "last_name").empty())
      errors.add(at("last_name"), "required", "a sole trader's surname");
    if (text_of(p, "first_name").empty())
      errors.add(at("first_name"), "required", "a sole trader's first name");
  }
  const std::string pid = text_of(p, "participant_id");
  if (!pid.empty() && !participant_id_shape(pid))
    errors.add(at("participant_id"), "participant_id",
               "an EDO participant id is a 3-character operator prefix and the operator's id, "
               "4 to 46 characters of A-Z, a-z, 0-9, @ . -");
  if (!text_of(p, "ogrn_date").empty() && ogrn.empty())
    errors.add(at("ogrn"), "required", "ogrn_date is the date of an OGRN(IP): give the number");
  if (const auto* s = p.if_contains("signer"); s != nullptr && s->is_object()) {
    const auto& signer = s->get_object();
    const std::string number = text_of(signer, "poa_number");
    // НомДовер is 36 characters (a GUID), counted as characters.
    if (!number.empty() && utf8_length(number).value_or(number.size()) != 36)
      errors.add(at("signer.poa_number"), "length",
                 "an electronic power of attorney number is 36 characters (a GUID)");
    const std::string issuer = text_of(signer, "poa_issuer_inn");
    if (!issuer.empty()) requisites::check_inn(issuer, at("signer.poa_issuer_inn"), errors);
    // The representative is a person: a 12-digit INN (Diadoc RepresentativeInn).
    const std::string own = text_of(signer, "inn");
    if (!own.empty()) requisites::check_inn12(own, at("signer.inn"), errors);
    if (!number.empty() && text_of(signer, "poa_date").empty())
      errors.add(at("signer.poa_date"), "required", "the date the power of attorney was issued");
    if (const auto* d = signer.if_contains("poa_use_default");
        d != nullptr && *d == true && number.empty())
      errors.add(at("signer.poa_number"), "required",
                 "the UPD names the power of attorney (НомДовер) even when the operator's "
                 "default one is used");
  }
  if (const auto* b = p.if_contains("bank"); b != nullptr && b->is_object()) {
    const auto& bank = b->get_object();
    const std::string bik = text_of(bank, "bik");
    if (requisites::check_bik(bik, at("bank.bik"), errors)) {
      requisites::check_bank_account(bik, text_of(bank, "account"), at("bank.bik"),
                                     at("bank.account"), errors);
      const std::string corr = text_of(bank, "corr_account");
      if (!corr.empty())
        requisites::check_bank_account(bik, corr, at("bank.bik"), at("bank.corr_account"), errors);
    }
  }
}

bool signs_by_poa(const json::object& signer) {
  const auto* a = signer.if_contains("authority");
  const auto* d = signer.if_contains("poa_use_default");
  return !text_of(signer, "poa_number").empty() || (a != nullptr && *a == 3) ||
         (d != nullptr && *d == true);
}

std::string poa_issuer_inn(const json::object& sender) {
  const auto* sg = sender.if_contains("signer");
  if (sg != nullptr && sg->is_object()) {
    const std::string issuer = text_of(sg->get_object(), "poa_issuer_inn");
    if (!issuer.empty()) return issuer;
  }
  return text_of(sender, "inn");
}

json::value sbis_signer(const json::object& sender) {
  const auto* sg = sender.if_contains("signer");
  if (sg == nullptr || !sg->is_object() || !signs_by_poa(sg->get_object())) return nullptr;
  const auto& signer = sg->get_object();
  json::object poa{{"Номер", text_of(signer, "poa_number")}, {"ИНН", poa_issuer_inn(sender)}};
  if (const auto date = Date::parse(text_of(signer, "poa_date"))) poa["Дата"] = dotted_date(*date);
  return json::object{{"Фамилия", text_of(signer, "last_name")},
                      {"Имя", text_of(signer, "first_name")},
                      {"Отчество", text_of(signer, "middle_name")},
                      {"Должность", text_of(signer, "position")},
                      {"Доверенность", std::move(poa)}};
}

json::object Edo::put_party(const json::object& p, const Context& ctx) {
  FieldErrors errors;
  check_party(p, "", errors);
  errors.throw_if_any(ErrorCode::validation);
  const std::string pid = text_of(p, "participant_id");
  const std::string code = text_of(p, "party");
  // Stored and returned as "code", the field edo.party.get and edo.parties give.
  json::object body{{"code", code}};
  for (const auto& kv : p)
    if (kv.key() != "party") body.emplace(kv.key(), kv.value());
  if (!present(body, "exchange")) body["exchange"] = "electronic";
  std::string name = text_of(p, "name");
  if (name.empty())  // a sole trader: "ИП Фамилия Имя Отчество"
    name = "ИП " + text_of(p, "last_name") + " " + text_of(p, "first_name") +
           (text_of(p, "middle_name").empty() ? "" : " " + text_of(p, "middle_name"));
  auto st = conn_.cached(
      "INSERT INTO edo_party (code, role, type, name, inn, kpp, participant_id, operator, "
      "exchange, body, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
      "ON CONFLICT (code) DO UPDATE SET role = ?2, type = ?3, name = ?4, inn = ?5, kpp = ?6, "
      "participant_id = ?7, operator = ?8, exchange = ?9, body = ?10, updated_at = ?11");
  st->bind(1, code).bind(2, text_of(p, "role")).bind(3, text_of(p, "type")).bind(4, name);
  st->bind(5, text_of(p, "inn")).bind(6, text_of(p, "kpp")).bind(7, pid).bind(8, operator_of(pid));
  st->bind(9, text_of(body, "exchange")).bind(10, json::serialize(body));
  st->bind(11, ctx.now.to_string());
  st->run();
  return get_party(code);
}

json::object Edo::party_row(const std::string& code, const std::string& field) {
  auto st = conn_.cached("SELECT body, name, operator, updated_at FROM edo_party WHERE code = ?1");
  st->bind(1, code);
  if (!st->step())
    fail_field(ErrorCode::not_found, field, "unknown_party",
               "no EDO party \"" + code + "\"; add it with edo.party.put");
  json::object o = parse_stored(st->text(0)).as_object();
  o["name"] = st->text(1);
  o["operator"] = st->text(2);
  o["updated_at"] = st->text(3);
  return o;
}

json::object Edo::get_party(const std::string& code) {
  return party_row(code, "party");
}

json::object Edo::parties(const json::object& p) {
  auto st = conn_.cached(
      "SELECT code FROM edo_party WHERE (?1 IS NULL OR role = ?1) AND (?2 IS NULL OR inn = ?2) "
      "ORDER BY code");
  if (const auto* r = p.if_contains("role"); r != nullptr && r->is_string())
    st->bind(1, r->get_string());
  else
    st->bind_null(1);
  if (const auto* r = p.if_contains("inn"); r != nullptr && r->is_string())
    st->bind(2, r->get_string());
  else
    st->bind_null(2);
  std::vector<std::string> codes;
  while (st->step()) codes.push_back(st->text(0));
  st->reset();
  json::array out;
  for (const auto& c : codes) out.push_back(party_row(c, "code"));
  return {{"parties", std::move(out)}};
}

}  // namespace opora::edo
