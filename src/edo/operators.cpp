#include "edo/operators.hpp"

#include <boost/json.hpp>

namespace opora::edo {
namespace json = boost::json;

namespace {

// Diadoc: participant prefix 2BM, at most 40 documents per message, the
// type/function/version triples of format 970 (version 5.03), and the
// metadata each type takes from the sender in DocumentAttachment.Metadata:
// the items GetDocumentTypes lists with Source "User" (DocumentMetadataItemV2,
// Source 1); a formalised UPD has none, its number and date come from the XML
// (Source 0). The Contract keys are those of Diadoc's own example in
// DocumentAttachment.rst (ContractType is optional and opora has no value). SBIS (Saby):
// prefix 2BE, one Документ carrying every attachment; its document types
// are the outgoing ones integrations use. Raw statuses: Diadoc's per-facet
// enums by name; SBIS's event names («Событие.Название»). Treat as data:
// operators change them, and hosts can send a normalised `status` instead.
const char* const kTable = R"~({
  "statuses": ["none", "signed_by_us", "sent", "receipt_pending", "delivered", "refused",
               "countersigned_with_disagreement", "countersigned", "revocation_requested", "revoked"],
  "operators": {
    "diadoc": {
      "title": "Контур.Диадок", "prefix": "2BM", "max_documents": 40,
      "kinds": {
        "upd": {"form": "upd", "type": "UniversalTransferDocument", "function": "СЧФДОП", "version": "utd970_05_03_01", "metadata": []},
        "act": {"form": "upd", "type": "UniversalTransferDocument", "function": "ДОП", "version": "utd970_05_03_01", "metadata": []},
        "contract": {"form": "attachment", "type": "Contract", "function": "default", "version": "v1",
                     "metadata": ["FileName", "DocumentNumber", "DocumentDate", "ContractPrice"]},
        "invoice": {"form": "attachment", "type": "Nonformalized", "function": "default", "version": "v1",
                    "metadata": ["FileName", "DocumentNumber", "DocumentDate"]},
        "letter": {"form": "attachment", "type": "Nonformalized", "function": "default", "version": "v1",
                   "metadata": ["FileName", "DocumentNumber", "DocumentDate"]}
      },
      "raw": [
        {"field": "RevocationStatus", "value": "RevocationAccepted", "status": "revoked"},
        {"field": "RevocationStatus", "value": "RevocationIsRequestedByMe", "status": "revocation_requested"},
        {"field": "RevocationStatus", "value": "RequestsMyRevocation", "status": "revocation_requested"},
        {"field": "RecipientResponseStatus", "value": "WithRecipientSignature", "status": "countersigned"},
        {"field": "RecipientResponseStatus", "value": "WithRecipientPartiallySignature", "status": "countersigned_with_disagreement"},
        {"field": "RecipientResponseStatus", "value": "RecipientSignatureRequestRejected", "status": "refused"},
        {"field": "RecipientReceiptStatus", "value": "WaitingForReceipt", "status": "receipt_pending"},
        {"field": "Delivered", "value": true, "status": "delivered"},
        {"field": "SenderSignatureStatus", "value": "SenderSignatureCheckedAndValid", "status": "sent"},
        {"field": "SenderSignatureStatus", "value": "SenderSignatureUnchecked", "status": "sent"},
        {"field": "SenderSignatureStatus", "value": "WaitingForSenderSignature", "status": "signed_by_us"}
      ]
    },
    "sbis": {
      "title": "СБИС (Saby)", "prefix": "2BE", "max_documents": 100,
      "kinds": {
        "upd": {"form": "upd", "type": "ДокОтгрИсх", "function": "СЧФДОП", "version": "5.03"},
        "act": {"form": "upd", "type": "ДокОтгрИсх", "function": "ДОП", "version": "5.03"},
        "contract": {"form": "attachment", "type": "ДоговорИсх", "function": "", "version": ""},
        "invoice": {"form": "attachment", "type": "СчетИсх", "function": "", "version": ""},
        "letter": {"form": "attachment", "type": "ПисьмоИсх", "function": "", "version": ""}
      },
      "raw": [
        {"field": "Событие", "value": "Аннулирован по соглашению", "status": "revoked"},
        {"field": "Событие", "value": "Получение соглашения об аннулировании", "status": "revocation_requested"},
        {"field": "Событие", "value": "Утверждение", "status": "countersigned"},
        {"field": "Событие", "value": "Утверждение с разногласиями", "status": "countersigned_with_disagreement"},
        {"field": "Событие", "value": "Отклонение", "status": "refused"},
        {"field": "Событие", "value": "Доставка", "status": "delivered"},
        {"field": "Событие", "value": "Отправка", "status": "sent"}
      ]
    }
  },
  "registry": {
    "act": {"signed_by_us": "signed_by_us", "sent": "sent", "receipt_pending": "sent", "delivered": "sent",
            "countersigned": "signed", "countersigned_with_disagreement": "signed", "refused": "refused"},
    "upd": {"signed_by_us": "signed_by_us", "sent": "sent", "receipt_pending": "sent", "delivered": "sent",
            "countersigned": "signed", "countersigned_with_disagreement": "signed", "refused": "refused"},
    "contract": {"countersigned": "signed", "countersigned_with_disagreement": "signed"},
    "invoice": {"sent": "issued", "delivered": "issued"},
    "letter": {"sent": "sent", "delivered": "delivered"}
  }
})~";

}  // namespace

const json::object& operator_table() {
  static const json::object table = json::parse(kTable).as_object();
  return table;
}

const json::object* operator_info(const std::string& op) {
  const auto* o = operator_table().at("operators").as_object().if_contains(op);
  return o != nullptr ? &o->as_object() : nullptr;
}

const json::object* kind_route(const std::string& op, const std::string& kind) {
  const auto* info = operator_info(op);
  if (info == nullptr) return nullptr;
  const auto* k = info->at("kinds").as_object().if_contains(kind);
  return k != nullptr ? &k->as_object() : nullptr;
}

std::string operator_of(const std::string& participant_id) {
  if (participant_id.size() < 3) return "";
  std::string prefix = participant_id.substr(0, 3);
  for (auto& c : prefix) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  for (const auto& [id, info] : operator_table().at("operators").as_object())
    if (info.at("prefix").as_string() == prefix) return std::string(id);
  return "";
}

int status_rank(const std::string& status) {
  const auto& list = operator_table().at("statuses").as_array();
  for (size_t i = 0; i < list.size(); ++i)
    if (list[i].as_string() == status) return static_cast<int>(i);
  return -1;
}

std::string status_from_raw(const std::string& op, const json::object& raw, bool two_sided,
                            bool revocation) {
  const auto* info = operator_info(op);
  if (info == nullptr) return "";
  // The furthest status any of the fields says.
  std::string best;
  for (const auto& rule : info->at("raw").as_array()) {
    const auto& r = rule.as_object();
    const auto* v = raw.if_contains(r.at("field").as_string());
    if (v == nullptr || *v != r.at("value")) continue;
    const std::string s(r.at("status").as_string());
    if ((s == "revocation_requested" || s == "revoked") != revocation) continue;
    if (best.empty() || status_rank(s) > status_rank(best)) best = s;
  }
  // A one-sided document never waits for a signature: "delivered" is its end.
  if (!two_sided && (best == "countersigned" || best == "countersigned_with_disagreement"))
    best = "delivered";
  return best;
}

std::string registry_status(const std::string& kind, const std::string& status) {
  const auto* k = operator_table().at("registry").as_object().if_contains(kind);
  if (k == nullptr) return "";
  const auto* s = k->as_object().if_contains(status);
  return s != nullptr ? std::string(s->as_string()) : std::string();
}

}  // namespace opora::edo
