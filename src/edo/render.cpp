// Rendering a validated packet: the UPD XML of each formalised document, the
// file of each other one, and the operator's request body for the host to
// sign and send; then what the host says of the send.
#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <map>
#include <set>

#include "core/base64.hpp"
#include "core/decimal.hpp"
#include "core/json_text.hpp"
#include "core/money.hpp"
#include "core/sha256.hpp"
#include "edo/edo.hpp"
#include "edo/internal.hpp"
#include "edo/operators.hpp"
#include "edo/upd.hpp"
#include "opora/opora_version.h"
#include "registry/registry.hpp"
#include "store/store.hpp"

namespace opora::edo {
namespace json = boost::json;

namespace {

// ISO 4217 numeric codes and names for ДенИзм.
struct CurrencyName {
  const char* alpha;
  const char* numeric;
  const char* name;
};
constexpr CurrencyName kCurrencies[] = {
    {"RUB", "643", "Российский рубль"},  {"KZT", "398", "Тенге"},
    {"USD", "840", "Доллар США"},        {"EUR", "978", "Евро"},
    {"BYN", "933", "Белорусский рубль"}, {"CNY", "156", "Юань"}};

// ОКЕИ codes of the units met in the seeds' documents.
std::string okei_of(const std::string& unit) {
  static const std::pair<const char*, const char*> kUnits[] = {
      {"шт", "796"},  {"шт.", "796"},  {"усл. ед.", "876"}, {"усл.ед.", "876"}, {"услуга", "876"},
      {"мес", "362"}, {"мес.", "362"}, {"месяц", "362"},    {"ч", "356"},       {"час", "356"},
      {"кг", "166"},  {"м", "006"},    {"компл", "839"},    {"компл.", "839"}};
  for (const auto& [name, code] : kUnits)
    if (unit == name) return code;
  return "";
}

std::string vat_literal(const std::string& rate) {
  return rate == "none" ? "без НДС" : rate + "%";
}

std::string two_digits(int64_t minor_units) {
  return Money(minor_units, *Currency::find("RUB")).to_string();
}

// Price without VAT per unit, to the kopeck, half up: net / quantity.
// Registry quantities have at most 3 decimals and amounts stay far below
// 10^15 kopecks, so the scaled numerator fits in 64 bits.
std::string unit_price(int64_t net_minor, const Decimal& quantity) {
  if (quantity.is_zero()) return two_digits(net_minor);
  int64_t num = net_minor;
  for (int i = 0; i < quantity.scale(); ++i) num *= 10;
  int64_t den = quantity.coefficient();
  if (den < 0) {
    den = -den;
    num = -num;
  }
  const bool neg = num < 0;
  const int64_t a = neg ? -num : num;
  const int64_t q = (a / den) + ((a % den) * 2 >= den ? 1 : 0);
  return two_digits(neg ? -q : q);
}

int64_t minor_of(const json::value& v) {
  const auto m = Money::parse(v.as_string(), *Currency::find("RUB"));
  return m ? m->minor_units() : 0;
}

UpdParty upd_party(const json::object& party) {
  UpdParty u;
  u.type = text_of(party, "type");
  u.name = text_of(party, "name");
  u.inn = text_of(party, "inn");
  u.kpp = text_of(party, "kpp");
  u.ogrn = text_of(party, "ogrn");
  u.ogrn_date = Date::parse(text_of(party, "ogrn_date"));
  u.last_name = text_of(party, "last_name");
  u.first_name = text_of(party, "first_name");
  u.middle_name = text_of(party, "middle_name");
  u.address = text_of(party, "address");
  if (const auto* b = party.if_contains("bank"); b != nullptr && b->is_object()) {
    const auto& bank = b->get_object();
    u.bank = UpdBank{text_of(bank, "account"), text_of(bank, "bik"), text_of(bank, "bank_name"),
                     text_of(bank, "corr_account")};
  }
  return u;
}

}  // namespace

bool upd_currency_known(const std::string& alpha) {
  for (const auto& c : kCurrencies)
    if (alpha == c.alpha) return true;
  return false;
}

// The UPD of a registry document in a packet, as render_upd takes it.
// Validation builds it too, so whatever rendering would refuse is reported
// before rendering.
UpdDocument upd_of(registry::Registry& registry, const json::object& doc, const json::object& entry,
                   const json::object& sender, const json::object& recipient,
                   const Timestamp& formed, int utc_offset) {
  const int64_t local = formed.seconds() + int64_t{utc_offset} * 60;
  const int64_t day_seconds = ((local % 86400) + 86400) % 86400;
  const std::string kind = text_of(doc, "kind");
  UpdDocument u;
  u.function = text_of(entry, "function");
  u.number = text_of(doc, "number");
  u.date = Date::parse_field(text_of(doc, "date"), "date");
  u.formed_date = formed.date_at(utc_offset);
  u.formed_hour = static_cast<int>(day_seconds / 3600);
  u.formed_minute = static_cast<int>(day_seconds / 60 % 60);
  u.formed_second = static_cast<int>(day_seconds % 60);
  for (const auto& c : kCurrencies)
    if (text_of(doc, "currency") == c.alpha) {
      u.currency_code = c.numeric;
      u.currency_name = c.name;
    }
  u.seller = upd_party(sender);
  u.buyer = upd_party(recipient);
  int line = 0;
  for (const auto& it_value : doc.at("items").as_array()) {
    const auto& it = it_value.as_object();
    UpdItem item;
    item.line = ++line;
    item.name = text_of(it, "name");
    item.unit = text_of(it, "unit");
    item.okei = okei_of(item.unit);
    const Decimal quantity = Decimal::parse_field(text_of(it, "quantity"), "quantity");
    item.quantity = quantity.to_string();
    item.price = unit_price(minor_of(it.at("net")), quantity);
    item.net = text_of(it, "net");
    item.vat_rate = vat_literal(text_of(it, "vat_rate"));
    item.vat = text_of(it, "vat");
    item.gross = text_of(it, "gross");
    u.items.push_back(std::move(item));
  }
  if (doc.at("totals").is_object()) {
    const auto& totals = doc.at("totals").as_object();
    u.total_net = text_of(totals, "net");
    u.total_vat = text_of(totals, "vat");
    u.total_gross = text_of(totals, "gross");
  }
  u.without_vat = !u.items.empty();
  for (const auto& it : u.items) u.without_vat = u.without_vat && it.vat_rate == "без НДС";
  u.operation =
      kind == "act" ? "Работы выполнены, услуги оказаны в полном объеме" : "Товары переданы";
  u.shipment_date = u.date;
  // Line 5а of a СЧФ: the shipping document is this one.
  u.shipment_doc_name = kind == "act" ? "Акт" : "Универсальный передаточный документ";
  u.shipment_doc_number = u.number;
  u.shipment_doc_date = u.date;
  if (doc.at("basis_id").is_int64()) {
    try {
      const json::object basis = registry.get(doc.at("basis_id").as_int64(), true);
      u.basis_name = text_of(basis, "kind") == "contract" ? "Договор" : "Документ";
      u.basis_number = text_of(basis, "number");
      u.basis_date = Date::parse(text_of(basis, "date"));
    } catch (const Error&) {
      // A basis that is gone: the renderer reports the missing basis.
      u.basis_name = "Документ";
    }
  }
  // The prepayments the shipment offsets, as the registry document carries
  // them (custom.prepayments); their shape is checked by validation.
  if (const auto* c = doc.if_contains("custom"); c != nullptr && c->is_object()) {
    if (const auto* list = c->get_object().if_contains("prepayments");
        list != nullptr && list->is_array()) {
      for (const auto& v : list->get_array()) {
        UpdPrepayment p;  // one per entry, so the renderer's indexes are the registry's
        if (!v.is_object()) {
          u.prepayments.push_back(std::move(p));
          continue;
        }
        const auto& o = v.get_object();
        p.payment_number = text_of(o, "payment_number");
        p.payment_date = Date::parse(text_of(o, "payment_date"));
        p.amount = text_of(o, "amount");
        p.invoice_number = text_of(o, "invoice_number");
        p.invoice_date = Date::parse(text_of(o, "invoice_date"));
        u.prepayments.push_back(std::move(p));
      }
    }
  }
  // A basis in words only has no number and date: the UPD then says it was
  // made without a basis document (БезДокОснПер), and the words stay in the
  // registry.
  if (const auto* sg = sender.if_contains("signer"); sg != nullptr && sg->is_object()) {
    const auto& signer = sg->get_object();
    u.signer.last_name = text_of(signer, "last_name");
    u.signer.first_name = text_of(signer, "first_name");
    u.signer.middle_name = text_of(signer, "middle_name");
    u.signer.position = text_of(signer, "position");
    u.signer.poa_number = text_of(signer, "poa_number");
    u.signer.poa_date = Date::parse(text_of(signer, "poa_date"));
    u.signer.poa_system = text_of(signer, "poa_system");
    // By a machine-readable power of attorney (МЧД) the method is 3.
    u.signer.authority = u.signer.poa_number.empty() ? 1 : 3;
    if (const auto* a = signer.if_contains("authority"); a != nullptr && a->is_int64())
      u.signer.authority = static_cast<int>(a->get_int64());
  }
  u.sender_id = text_of(sender, "participant_id");
  u.receiver_id = text_of(recipient, "participant_id");
  u.guid = text_of(entry, "file_guid");
  u.program = "opora " OPORA_VERSION_STRING;
  return u;
}

namespace {

// A UPD as rendered for one document of a packet.
struct FormedUpd {
  std::string guid, name, bytes, sha256;
};

// Renders the UPD of a packet document. Its content unchanged since the file
// was formed, this is that file again: the same GUID, the same formation
// time, the same bytes. Changed content is a new file, with a new GUID and
// the time it is formed now, so that no two different files share an ИдФайл
// (the operator and the buyer would take the second for the first).
FormedUpd form_upd(store::Connection& conn, registry::Registry& registry, int64_t packet,
                   const json::object& entry, const json::object& doc, const json::object& sender,
                   const json::object& recipient, const Context& ctx) {
  const int64_t position = entry.at("position").as_int64();
  auto st = conn.cached(
      "SELECT file_guid, formed_at, file_sha256 FROM edo_document WHERE packet_id = ?1 AND "
      "position = ?2");
  st->bind(1, packet).bind(2, position);
  if (!st->step()) throw Error(ErrorCode::internal, "packet document row vanished");
  std::string guid = st->text(0);
  const bool formed_before = !st->is_null(1) && !st->is_null(2);
  const int64_t formed_at = formed_before ? st->int64(1) : 0;
  const std::string sha = formed_before ? st->text(2) : std::string();
  st->reset();
  auto render = [&](const Timestamp& formed) {
    UpdDocument u = upd_of(registry, doc, entry, sender, recipient, formed, ctx.utc_offset_minutes);
    u.guid = guid;
    return render_upd(u);
  };
  if (formed_before) {
    RenderedFile again = render(Timestamp(formed_at));
    std::string again_sha = sha256_hex(again.bytes);
    if (again_sha == sha)
      return {guid, std::move(again.name), std::move(again.bytes), std::move(again_sha)};
    if (!ctx.new_uuid) throw Error(ErrorCode::internal, "edo: no id source for a file GUID");
    guid = ctx.new_uuid();
  }
  RenderedFile f = render(ctx.now);
  std::string f_sha = sha256_hex(f.bytes);
  auto up = conn.cached(
      "UPDATE edo_document SET file_guid = ?3, formed_at = ?4, file_sha256 = ?5, file_content = "
      "?6, file_name = ?7 WHERE packet_id = ?1 AND position = ?2");
  up->bind(1, packet).bind(2, position).bind(3, guid).bind(4, ctx.now.seconds());
  up->bind(5, f_sha).bind_blob(6, f.bytes).bind(7, f.name);
  up->run();
  return {guid, std::move(f.name), std::move(f.bytes), std::move(f_sha)};
}

// The signer's machine-readable power of attorney as Diadoc takes it with a
// signature (SignedContent.PowerOfAttorney, PowerOfAttorneyToPost): by its
// registration number and the issuer's INN (FullId, with the representative's
// INN when known), or the default МЧД set for the employee in Diadoc
// (UseDefault). Null when the signer signs without one.
json::value diadoc_power_of_attorney(const json::object& sender) {
  const auto* sg = sender.if_contains("signer");
  if (sg == nullptr || !sg->is_object()) return nullptr;
  const auto& signer = sg->get_object();
  if (!signs_by_poa(signer)) return nullptr;
  if (const auto* d = signer.if_contains("poa_use_default"); d != nullptr && *d == true)
    return json::object{{"UseDefault", true}};
  json::object full{{"RegistrationNumber", text_of(signer, "poa_number")},
                    {"IssuerInn", poa_issuer_inn(sender)}};
  if (!text_of(signer, "inn").empty()) full["RepresentativeInn"] = text_of(signer, "inn");
  return json::object{{"FullId", std::move(full)}, {"UseDefault", false}};
}

}  // namespace

json::object Edo::render_packet(const json::object& p, const Context& ctx) {
  const int64_t id = p.at("packet").as_int64();
  json::object packet = load_packet(id, "packet");
  const std::string status(packet.at("status").as_string());
  if (status != "validated" && status != "prepared")
    fail_field(ErrorCode::state, "packet", "not_validated",
               "packet " + std::to_string(id) + " is " + status +
                   "; edo.packet.validate it first (rendering takes only a validated packet)");
  // A document or party changed since validation: validate again.
  {
    auto st = conn_.cached("SELECT fingerprint FROM edo_packet WHERE id = ?1");
    st->bind(1, id);
    const bool same = st->step() && !st->is_null(0) && st->text(0) == fingerprint(packet);
    if (!same)
      fail_field(ErrorCode::state, "packet", "changed",
                 "a document or party of packet " + std::to_string(id) +
                     " changed since it was validated; edo.packet.validate it again");
  }

  const std::string op(packet.at("operator").as_string());
  const json::object sender = party_row(text_of(packet, "sender"), "sender");
  const json::object recipient = party_row(text_of(packet, "recipient"), "recipient");
  const json::value poa = diadoc_power_of_attorney(sender);

  json::array files, diadoc_docs, sbis_attachments;
  std::vector<std::string> contents;  // base64, in document order
  std::string digest_seed = "packet:" + std::to_string(id);
  std::string first_number, first_date, first_type;
  for (const auto& entry_value : packet.at("documents").as_array()) {
    const json::object& entry = entry_value.as_object();
    const int64_t doc_id = entry.at("document").as_int64();
    const json::object doc = registry_.get(doc_id, false);
    const std::string kind = text_of(doc, "kind");
    const json::object& route = *kind_route(op, kind);
    std::string name, bytes, mime, encoding, content, sha;
    std::string attachment_id = text_of(entry, "file_guid");
    if (entry.at("form") == "upd") {
      FormedUpd f;
      try {
        f = form_upd(conn_, registry_, id, entry, doc, sender, recipient, ctx);
      } catch (const Error& e) {
        // Name the document: "documents[2].items[0].name".
        std::vector<FieldError> fields;
        const std::string at =
            "documents[" + std::to_string(entry.at("position").as_int64() - 1) + "].";
        for (const auto& fe : e.field_errors())
          fields.push_back({at + fe.field, fe.rule, fe.message});
        throw Error(e.code(), e.what(), std::move(fields));
      }
      attachment_id = f.guid;
      name = std::move(f.name);
      bytes = std::move(f.bytes);
      mime = "application/xml";
      encoding = "windows-1251";
      sha = std::move(f.sha256);
      content = base64_encode(bytes);
    } else {
      // The newest stored file of the document that is not a signed copy.
      json::object chosen;
      for (const auto& f : doc.at("files").as_array())
        if (f.at("path").is_null() && f.at("sha256").is_string() && f.at("role") != "signed_copy")
          chosen = f.as_object();
      const json::object file = registry_.get_file(chosen.at("file_id").as_int64());
      name = text_of(file, "name");
      mime = text_of(file, "mime");
      content = std::string(file.at("content_base64").as_string());
      bytes = base64_decode_field(content, "content_base64");
      sha = text_of(file, "sha256");
    }
    digest_seed += ":" + sha;
    json::object file{{"document", doc_id},
                      {"position", entry.at("position")},
                      {"form", entry.at("form")},
                      {"name", name},
                      {"mime", mime},
                      {"sha256", sha},
                      {"size", static_cast<int64_t>(bytes.size())},
                      {"content_base64", content}};
    file["encoding"] = encoding.empty() ? json::value() : json::value(encoding);
    files.push_back(std::move(file));
    const std::string custom = custom_document_id(id, doc_id);
    const std::string number = text_of(doc, "number");
    const std::string date = dotted_date(Date::parse_field(text_of(doc, "date"), "date"));
    if (first_number.empty()) {
      first_number = number;
      first_date = date;
      first_type = text_of(route, "type");
    }
    // The request carries each file's sha256 where its content goes until the
    // operation id is computed over it; then the contents are put in.
    contents.push_back(content);
    if (op == "diadoc") {
      // Only the metadata the type takes from the sender (GetDocumentTypes:
      // MetadataItems with Source "User"); a formalised UPD carries its own
      // number and date in the XML, and the operator reads them from there.
      json::array metadata;
      for (const auto& key : route.at("metadata").as_array()) {
        const std::string k(key.as_string());
        if (k == "FileName")
          metadata.push_back({{"Key", k}, {"Value", name}});
        else if (k == "DocumentNumber" && !number.empty())
          metadata.push_back({{"Key", k}, {"Value", number}});
        else if (k == "DocumentDate")
          metadata.push_back({{"Key", k}, {"Value", date}});
        else if (k == "ContractPrice" && doc.at("totals").is_object())
          metadata.push_back({{"Key", k}, {"Value", doc.at("totals").at("gross")}});
      }
      json::object signed_content{{"Content", sha}, {"Signature", nullptr}};
      if (!poa.is_null()) signed_content["PowerOfAttorney"] = poa;
      json::object attachment{
          {"TypeNamedId", route.at("type")},
          {"Function", entry.at("form") == "upd" ? entry.at("function") : route.at("function")},
          {"Version", route.at("version")},
          {"SignedContent", std::move(signed_content)},
          {"NeedRecipientSignature", entry.at("two_sided")},
          {"CustomDocumentId", custom}};
      if (!metadata.empty()) attachment["Metadata"] = std::move(metadata);
      diadoc_docs.push_back(std::move(attachment));
      continue;
    }
    // SBIS: one Документ, an attachment per document with our own id.
    sbis_attachments.push_back({{"Идентификатор", attachment_id},
                                {"Тип", route.at("type")},
                                {"Номер", number},
                                {"Дата", date},
                                {"Файл", json::object{{"Имя", name}, {"ДвоичныеДанные", sha}}},
                                {"Подпись", json::array{}}});
  }
  // The send's idempotency key follows what is sent (files, boxes, lock mode,
  // comment): a retry of the same request is the same operation, a changed
  // one a new operation.
  auto operation_of = [&](const json::object& body) {
    return "opora-" + sha256_hex(digest_seed + "|" + json::serialize(body)).substr(0, 32);
  };
  auto fill_contents = [&](json::array& list, const char* outer, const char* inner) {
    for (size_t i = 0; i < list.size(); ++i)
      list[i].as_object()[outer].as_object()[inner] = contents[i];
  };
  std::string operation_id;
  json::object request;
  if (op == "diadoc") {
    const std::string lock = text_of(packet, "lock_mode");
    json::object body{{"FromBoxId", text_of(sender, "box_id")},
                      {"ToBoxId", text_of(recipient, "box_id")},
                      {"LockMode", lock == "full"   ? "Full"
                                   : lock == "send" ? "Send"
                                                    : "None"},
                      {"DocumentAttachments", std::move(diadoc_docs)}};
    if (!text_of(packet, "comment").empty()) body["Comment"] = packet.at("comment");
    operation_id = operation_of(body);
    fill_contents(body["DocumentAttachments"].as_array(), "SignedContent", "Content");
    request = {{"operator", "diadoc"},
               {"method", "POST"},
               {"path", "/V3/PostMessage?operationId=" + operation_id},
               {"content_type", "application/json; charset=utf-8"},
               {"body", std::move(body)},
               {"sign",
                "each DocumentAttachments[].SignedContent.Content: put the detached CMS "
                "signature (base64) in .Signature"}};
  } else {
    auto side = [](const json::object& party) {
      if (text_of(party, "type") == "company")
        return json::object{{"СвЮЛ", json::object{{"ИНН", party.at("inn")},
                                                  {"КПП", party.at("kpp")},
                                                  {"Название", party.at("name")}}}};
      return json::object{{"СвФЛ", json::object{{"ИНН", party.at("inn")},
                                                {"Фамилия", text_of(party, "last_name")},
                                                {"Имя", text_of(party, "first_name")},
                                                {"Отчество", text_of(party, "middle_name")}}}};
    };
    json::object document{{"Идентификатор", packet_document_guid(id, ctx)},
                          {"Тип", first_type},
                          {"Номер", first_number},
                          {"Дата", first_date},
                          {"Примечание", text_of(packet, "comment")},
                          {"НашаОрганизация", side(sender)},
                          {"Контрагент", side(recipient)},
                          {"Вложение", std::move(sbis_attachments)}};
    if (json::value signer = sbis_signer(sender); !signer.is_null())
      document["Подписант"] = std::move(signer);
    json::object body{{"jsonrpc", "2.0"},
                      {"method", "СБИС.ЗаписатьДокумент"},
                      {"protocol", 4},
                      {"params", json::object{{"Документ", std::move(document)}}}};
    operation_id = operation_of(body);
    body["id"] = operation_id;
    fill_contents(body["params"].as_object()["Документ"].as_object()["Вложение"].as_array(), "Файл",
                  "ДвоичныеДанные");
    request = {{"operator", "sbis"},
               {"method", "POST"},
               {"path", "/service/?srv=1"},
               {"content_type", "application/json-rpc; charset=utf-8"},
               {"body", std::move(body)},
               {"sign",
                "then СБИС.ПодготовитьДействие / СБИС.ВыполнитьДействие with the "
                "signatures of each Вложение"}};
  }
  // rendered_at: when the packet was last rendered (each file keeps its own
  // formation time).
  auto up = conn_.cached(
      "UPDATE edo_packet SET status = 'prepared', operation_id = ?2, rendered_at = ?3, "
      "updated_at = ?4 WHERE id = ?1");
  up->bind(1, id).bind(2, operation_id).bind(3, ctx.now.seconds()).bind(4, ctx.now.to_string());
  up->run();
  return {{"packet", id},
          {"status", "prepared"},
          {"operation_id", operation_id},
          {"files", std::move(files)},
          {"request", std::move(request)}};
}

// The packet's SBIS Документ.Идентификатор: random the first time, then kept,
// so a corrected packet writes into the same SBIS document and no two
// installations share one.
std::string Edo::packet_document_guid(int64_t packet, const Context& ctx) {
  auto st = conn_.cached("SELECT document_guid FROM edo_packet WHERE id = ?1");
  st->bind(1, packet);
  if (st->step() && !st->is_null(0)) {
    std::string guid = st->text(0);
    st->reset();
    return guid;
  }
  st->reset();
  if (!ctx.new_uuid) throw Error(ErrorCode::internal, "edo: no id source for a document id");
  const std::string guid = ctx.new_uuid();
  auto up = conn_.cached("UPDATE edo_packet SET document_guid = ?2 WHERE id = ?1");
  up->bind(1, packet).bind(2, guid);
  up->run();
  return guid;
}

// The registry keeps each UPD as it was sent: the bytes last rendered, kept
// with the packet, attached unless these very bytes are there already.
void Edo::keep_sent_files(const json::object& packet, const Context& ctx) {
  const registry::Context rctx = registry_context(ctx);
  const int64_t id = packet.at("packet").as_int64();
  for (const auto& entry_value : packet.at("documents").as_array()) {
    const json::object& entry = entry_value.as_object();
    if (entry.at("form") != "upd") continue;
    const int64_t doc_id = entry.at("document").as_int64();
    const json::object doc = registry_.get(doc_id, true);
    if (doc.at("deleted") == true) continue;
    auto st = conn_.cached(
        "SELECT file_name, file_content FROM edo_document WHERE packet_id = ?1 AND "
        "document_id = ?2");
    st->bind(1, id).bind(2, doc_id);
    if (!st->step() || st->is_null(1)) {
      st->reset();
      continue;  // never rendered: marked sent without opora's file
    }
    const std::string name = st->text(0);
    const std::string bytes = st->blob(1);
    st->reset();
    const std::string sha = sha256_hex(bytes);
    bool kept = false;
    for (const auto& stored : doc.at("files").as_array())
      kept = kept || (stored.at("sha256").is_string() && stored.at("sha256").get_string() == sha);
    if (kept) continue;
    registry_.attach_file({{"document", doc_id},
                           {"name", name},
                           {"mime", "application/xml"},
                           {"role", "original"},
                           {"content_base64", base64_encode(bytes)}},
                          rctx);
  }
}

json::object Edo::mark_packet(const json::object& p, const Context& ctx) {
  const int64_t id = p.at("packet").as_int64();
  const json::object packet = load_packet(id, "packet");
  const std::string from(packet.at("status").as_string());
  const std::string to = text_of(p, "status");
  static const std::map<std::string, std::vector<std::string>> kAllowed = {
      {"prepared", {"sending", "sent", "failed"}},
      {"sending", {"sent", "failed"}},
      {"failed", {"sending", "sent"}}};
  const auto it = kAllowed.find(from);
  const bool ok = it != kAllowed.end() &&
                  std::find(it->second.begin(), it->second.end(), to) != it->second.end();
  // The same report again (a retried webhook) is a repeat: it may still bring
  // the operator's ids.
  const bool repeat = from == to && (to == "sent" || to == "sending" || to == "failed");
  if (!ok && !repeat)
    fail_field(ErrorCode::state, "status", "transition",
               "packet " + std::to_string(id) + " is " + from + "; it cannot become " + to);
  if (to == "failed" && text_of(p, "error").empty())
    fail_field(ErrorCode::invalid, "error", "required", "say why the send failed");
  std::set<int64_t> ours;
  for (const auto& d : packet.at("documents").as_array()) ours.insert(d.at("document").as_int64());
  const auto* docs = present(p, "documents");
  if (docs != nullptr) {
    FieldErrors errors;
    const auto& list = docs->as_array();
    for (size_t i = 0; i < list.size(); ++i)
      if (ours.count(list[i].at("document").as_int64()) == 0)
        errors.add("documents[" + std::to_string(i) + "].document", "not_in_packet",
                   "document " + std::to_string(list[i].at("document").as_int64()) +
                       " is not in packet " + std::to_string(id));
    errors.throw_if_any(ErrorCode::invalid);
  }
  auto up = conn_.cached(
      "UPDATE edo_packet SET status = ?2, updated_at = ?3, message_id = COALESCE(?4, "
      "message_id), error = ?5, sent_at = CASE WHEN ?2 = 'sent' AND sent_at IS NULL THEN ?3 ELSE "
      "sent_at END WHERE id = ?1");
  up->bind(1, id).bind(2, to).bind(3, ctx.now.to_string());
  if (present(p, "message_id"))
    up->bind(4, text_of(p, "message_id"));
  else
    up->bind_null(4);
  if (to == "failed")
    up->bind(5, text_of(p, "error"));
  else
    up->bind_null(5);
  up->run();
  if (docs != nullptr) {
    for (const auto& d : docs->as_array()) {
      auto set = conn_.cached(
          "UPDATE edo_document SET operator_document_id = ?3 WHERE packet_id = ?1 AND "
          "document_id = ?2");
      set->bind(1, id).bind(2, d.at("document").as_int64());
      set->bind(3, text_of(d.as_object(), "operator_document_id"));
      set->run();
    }
  }
  if (to == "sent" && from != "sent") keep_sent_files(packet, ctx);
  if (to == "sent") {
    // Each document is now sent (unless an event already took it further).
    for (const auto& d : packet.at("documents").as_array())
      advance_document(id, d.at("document").as_int64(), "sent", json::object{}, ctx);
  }
  return load_packet(id, "packet");
}

}  // namespace opora::edo
