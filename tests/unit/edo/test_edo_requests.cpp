// The operators' request bodies, through Database::call: the metadata each
// Diadoc document type takes from the sender, and the signer's power of
// attorney (МЧД) in the Diadoc and SBIS requests. Issue 13 (d), (e).
//
// Sources (diadoc/diadocapi-docs, docs/source/proto/):
// - DocumentTypeDescriptionV2.rst: a type's MetadataItems carry Source 0
//   ("in the document's body") or 1 ("passed to the API as fields"); only the
//   latter are the sender's to send.
// - DocumentAttachment.rst: its examples send a formalised document
//   (XmlAcceptanceCertificate) with no Metadata, and a Contract with FileName,
//   DocumentNumber, DocumentDate, ContractType, ContractPrice.
// - SignedContent.rst, PowerOfAttorneyToPost.rst, PowerOfAttorneyFullId.rst:
//   SignedContent.PowerOfAttorney = {FullId: {RegistrationNumber, IssuerInn},
//   UseDefault: false} or {UseDefault: true}, never both; the C# SDK's proto
//   adds an optional RepresentativeInn to FullId.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <set>
#include <string>

#include "core/base64.hpp"
#include "edo/edo_fixture.hpp"

namespace {

using namespace opora::test::edo;
using opora::test::reg::has_error;

const char* const kPoaNumber = "8f3c1a2e-5b7d-4e9a-9c1f-2d3e4f5a6b7c";

// Our signer now acts by an МЧД (and `extra` fields on top).
void sign_by_poa(EdoDb& db, const json::object& extra = {}) {
  auto vector = obj(kVector);
  auto& signer = vector["signer"].as_object();
  signer["position"] = "Главный бухгалтер";
  signer.erase("authority");
  signer["poa_number"] = kPoaNumber;
  signer["poa_date"] = "2026-01-10";
  signer["poa_system"] = "https://m4d.nalog.gov.ru/emchd/check-status";
  for (const auto& kv : extra) signer[kv.key()] = kv.value();
  db.call("edo.party.put", vector);
}

int64_t contract_with_file(EdoDb& db) {
  const int64_t id = db.put(opora::test::reg::contract());
  db.call("registry.file.attach",
          json::object{{"id", id},
                       {"name", "Договор ДГ-2026-0001.pdf"},
                       {"mime", "application/pdf"},
                       {"content_base64", opora::base64_encode("%PDF-1.4 договор")}});
  return id;
}

int64_t letter_with_file(EdoDb& db) {
  const int64_t id = db.put(obj(R"({"kind": "letter", "number": "П-7", "date": "2026-11-20",
      "organization": {"type": "company", "name": "ООО «Вектор»", "inn": "6663003127", "kpp": "666301001"},
      "counterparty": {"type": "company", "name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "773601001"},
      "refs": ["bitrix24:deal:42"]})"));
  db.call("registry.file.attach",
          json::object{{"id", id},
                       {"name", "Письмо.pdf"},
                       {"mime", "application/pdf"},
                       {"content_base64", opora::base64_encode("%PDF-1.4 письмо")}});
  return id;
}

json::object render_ok(EdoDb& db, const json::array& documents) {
  const int64_t packet = packet_id(db.packet(documents));
  const auto v = db.validate(packet);
  CAPTURE(problems_text(v));
  REQUIRE(v.at("valid") == true);
  return db.render(packet);
}

const json::array& attachments(const json::object& out) {
  return out.at("request").at("body").at("DocumentAttachments").as_array();
}

std::set<std::string> metadata_keys(const json::value& attachment) {
  std::set<std::string> keys;
  if (const auto* m = attachment.as_object().if_contains("Metadata"))
    for (const auto& item : m->as_array()) keys.insert(std::string(item.at("Key").as_string()));
  return keys;
}

}  // namespace

// Issue 13 (d): every attachment carried FileName, DocumentNumber and
// DocumentDate, which GetDocumentTypes does not list for a
// UniversalTransferDocument (its metadata come from the XML).
TEST_CASE("a Diadoc attachment carries only the metadata its type takes from the sender") {
  EdoDb db;
  const int64_t act = db.act();
  const int64_t contract = contract_with_file(db);
  const int64_t letter = letter_with_file(db);
  const auto out = render_ok(db, json::array{act, contract, letter});
  const auto& docs = attachments(out);
  REQUIRE(docs.size() == 3);
  CHECK(docs[0].at("TypeNamedId") == "UniversalTransferDocument");
  CHECK_FALSE(docs[0].as_object().contains("Metadata"));
  CHECK(metadata_keys(docs[1]) ==
        std::set<std::string>{"FileName", "DocumentNumber", "DocumentDate", "ContractPrice"});
  CHECK(metadata_keys(docs[2]) ==
        std::set<std::string>{"FileName", "DocumentNumber", "DocumentDate"});
  for (const auto& item : docs[2].at("Metadata").as_array()) {
    if (item.at("Key") == "DocumentDate") CHECK(item.at("Value") == "20.11.2026");
    if (item.at("Key") == "FileName") CHECK(item.at("Value") == "Письмо.pdf");
  }
  // Whatever the kind, what is sent is what the operator table declares.
  const auto types = db.call("edo.operator_types", "{}");
  const char* kinds[] = {"act", "contract", "letter"};
  for (size_t i = 0; i < docs.size(); ++i) {
    CAPTURE(kinds[i]);
    std::set<std::string> declared;
    for (const auto& k :
         types.at("operators").at("diadoc").at("kinds").at(kinds[i]).at("metadata").as_array())
      declared.insert(std::string(k.as_string()));
    for (const auto& key : metadata_keys(docs[i])) CHECK(declared.count(key) == 1);
  }
}

// Issue 13 (e): a document signed under an МЧД went to Diadoc without it.
TEST_CASE("with an МЧД the Diadoc request names it in every signed content") {
  EdoDb db;
  const int64_t act = db.act();
  const int64_t contract = contract_with_file(db);
  CHECK_FALSE(attachments(render_ok(db, json::array{act}))
                  .at(0)
                  .at("SignedContent")
                  .as_object()
                  .contains("PowerOfAttorney"));
  db.call("edo.packet.cancel", json::object{{"packet", 1}});

  sign_by_poa(db, json::object{{"inn", "500100732259"}});
  const auto out = render_ok(db, json::array{act, contract});
  for (const auto& doc : attachments(out)) {
    const json::value expected = json::parse(R"({"FullId": {"RegistrationNumber":
        "8f3c1a2e-5b7d-4e9a-9c1f-2d3e4f5a6b7c", "IssuerInn": "6663003127",
        "RepresentativeInn": "500100732259"}, "UseDefault": false})");
    CHECK(doc.at("SignedContent").at("PowerOfAttorney") == expected);
  }
  // The UPD names the same МЧД (СвДоверЭл) the request does.
  CHECK(file_of(out).text.find("НомДовер=\"8f3c1a2e-5b7d-4e9a-9c1f-2d3e4f5a6b7c\"") !=
        std::string::npos);
  CHECK(xmllint_upd(file_of(out).name, file_of(out).bytes) == 0);
}

TEST_CASE("an МЧД issued by another INN, or the employee's default МЧД, is sent as such") {
  EdoDb db;
  const int64_t act = db.act();
  sign_by_poa(db, json::object{{"poa_issuer_inn", "7707083893"}});
  auto out = render_ok(db, json::array{act});
  const auto& poa = attachments(out).at(0).at("SignedContent").at("PowerOfAttorney");
  CHECK(poa.at("FullId").at("IssuerInn") == "7707083893");
  CHECK_FALSE(poa.at("FullId").as_object().contains("RepresentativeInn"));
  db.call("edo.packet.cancel", json::object{{"packet", 1}});

  sign_by_poa(db, json::object{{"poa_use_default", true}});
  out = render_ok(db, json::array{act});
  CHECK(attachments(out).at(0).at("SignedContent").at("PowerOfAttorney") ==
        json::parse(R"({"UseDefault": true})"));

  // Bad МЧД data is refused with the field named.
  auto vector = obj(kVector);
  vector["signer"].as_object()["poa_number"] = "8f3c1a2e";
  vector["signer"].as_object()["poa_issuer_inn"] = "7707083890";
  vector["signer"].as_object()["inn"] = "7707083893";  // a representative is a person
  const auto e = db.error("edo.party.put", vector);
  CHECK(has_error(e, "signer.poa_number", "length"));
  CHECK(has_error(e, "signer.poa_issuer_inn", "inn_checksum"));
  CHECK(has_error(e, "signer.inn", "inn_format"));
  auto no_number = obj(kVector);
  no_number["signer"].as_object()["poa_use_default"] = true;
  CHECK(has_error(db.error("edo.party.put", no_number), "signer.poa_number", "required"));
}

TEST_CASE("with an МЧД the SBIS request names the signer and the МЧД") {
  EdoDb db;
  auto ours = obj(kVector);
  ours["code"] = "our_sbis";
  ours["participant_id"] = "2BE-6663003127-666301001";
  ours["signer"].as_object()["poa_number"] = kPoaNumber;
  ours["signer"].as_object()["poa_date"] = "2026-01-10";
  ours["signer"].as_object()["poa_system"] = "https://m4d.nalog.gov.ru/emchd/check-status";
  ours["signer"].as_object().erase("authority");
  db.call("edo.party.put", ours);
  auto them = obj(kRomashka);
  them["roaming"] = true;
  db.call("edo.party.put", them);
  const int64_t packet =
      packet_id(db.call("edo.packet.create", json::object{{"documents", json::array{db.act()}},
                                                          {"sender", "our_sbis"},
                                                          {"recipient", "bitrix24:company:7"},
                                                          {"operator", "sbis"}}));
  const auto v = db.validate(packet);
  CAPTURE(problems_text(v));
  REQUIRE(v.at("valid") == true);
  const auto out = db.render(packet);
  const auto& signer = out.at("request").at("body").at("params").at("Документ").at("Подписант");
  CHECK(signer.at("Фамилия") == "Сидоров");
  CHECK(signer.at("Доверенность") ==
        json::parse(R"({"Номер": "8f3c1a2e-5b7d-4e9a-9c1f-2d3e4f5a6b7c", "ИНН": "6663003127",
                        "Дата": "10.01.2026"})"));
}
