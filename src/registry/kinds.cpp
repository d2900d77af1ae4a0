#include "registry/kinds.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "core/error.hpp"
#include "core/json_text.hpp"
#include "registry/numbering.hpp"

namespace opora::registry {
namespace json = boost::json;

namespace {

// The built-in kinds as data. Status ids are English; titles carry the
// Russian names integrators use (seed 004: «Подписан с нашей стороны»,
// «Акт направлен заявителю», «Акт получен и подписан», «Акт принят, но не
// подписан заявителем», «Отказ от подписания»).
const char* kBuiltinKinds = R"~([
  {"id": "invoice", "title": "Счёт на оплату", "has_items": true, "requires_countersign": false,
   "number_pattern": "СЧ-{yyyy}-{seq:06}",
   "statuses": ["draft", "issued", "partially_paid", "paid", "cancelled"], "initial": "draft",
   "transitions": {"draft": ["issued", "cancelled"], "issued": ["partially_paid", "paid", "cancelled"],
                   "partially_paid": ["paid", "cancelled"]}},
  {"id": "act", "title": "Акт выполненных работ", "has_items": true, "requires_countersign": true,
   "number_pattern": "АКТ-{yyyy}-{seq:06}",
   "statuses": ["draft", "signed_by_us", "sent", "signed", "accepted_unsigned", "refused", "cancelled"],
   "initial": "draft",
   "transitions": {"draft": ["signed_by_us", "sent", "cancelled"], "signed_by_us": ["sent", "cancelled"],
                   "sent": ["signed", "accepted_unsigned", "refused"], "accepted_unsigned": ["signed"],
                   "refused": ["draft", "cancelled"]}},
  {"id": "contract", "title": "Договор", "has_items": false, "requires_countersign": true,
   "number_pattern": "ДГ-{yyyy}-{seq:04}",
   "statuses": ["draft", "on_approval", "signed", "terminated", "cancelled"], "initial": "draft",
   "transitions": {"draft": ["on_approval", "signed", "cancelled"], "on_approval": ["draft", "signed", "cancelled"],
                   "signed": ["terminated"]}},
  {"id": "upd", "title": "Универсальный передаточный документ", "has_items": true, "requires_countersign": true,
   "number_pattern": "УПД-{yyyy}-{seq:06}",
   "statuses": ["draft", "signed_by_us", "sent", "signed", "refused", "cancelled"], "initial": "draft",
   "transitions": {"draft": ["signed_by_us", "sent", "cancelled"], "signed_by_us": ["sent", "cancelled"],
                   "sent": ["signed", "refused"], "refused": ["draft", "cancelled"]}},
  {"id": "order", "title": "Заказ покупателя", "has_items": true, "requires_countersign": false,
   "number_pattern": "ЗК-{yyyy}-{seq:06}",
   "statuses": ["new", "confirmed", "in_progress", "shipped", "completed", "cancelled"], "initial": "new",
   "transitions": {"new": ["confirmed", "cancelled"], "confirmed": ["in_progress", "cancelled"],
                   "in_progress": ["shipped", "cancelled"], "shipped": ["completed"]}},
  {"id": "accrual", "title": "Начисление", "has_items": true, "requires_countersign": false,
   "number_pattern": "НЧ-{yyyy}-{seq:08}",
   "statuses": ["posted", "reversed"], "initial": "posted", "transitions": {"posted": ["reversed"]}},
  {"id": "payment", "title": "Платёж", "has_items": false, "requires_countersign": false,
   "number_pattern": "ПЛ-{yyyy}-{seq:08}",
   "statuses": ["received", "settled", "reversed"], "initial": "received",
   "transitions": {"received": ["settled", "reversed"], "settled": ["reversed"]}},
  {"id": "letter", "title": "Письмо", "has_items": false, "requires_countersign": false,
   "number_pattern": "ПИС-{yyyy}-{seq:05}",
   "statuses": ["draft", "sent", "delivered"], "initial": "draft",
   "transitions": {"draft": ["sent"], "sent": ["delivered"]}}
])~";

bool is_identifier(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

bool Kind::has_status(const std::string& s) const {
  return std::find(statuses.begin(), statuses.end(), s) != statuses.end();
}

bool Kind::allows(const std::string& from, const std::string& to) const {
  if (from == to) return true;
  const auto it = transitions.find(from);
  return it != transitions.end() &&
         std::find(it->second.begin(), it->second.end(), to) != it->second.end();
}

json::object Kind::to_json() const {
  json::array st(statuses.begin(), statuses.end());
  json::object tr;
  for (const auto& [from, tos] : transitions) tr[from] = json::array(tos.begin(), tos.end());
  return {{"id", id},
          {"title", title},
          {"statuses", std::move(st)},
          {"initial", initial},
          {"transitions", std::move(tr)},
          {"has_items", has_items},
          {"requires_countersign", requires_countersign},
          {"number_pattern", number_pattern},
          {"number_per_organization", number_per_organization},
          {"builtin", builtin}};
}

Kind Kind::from_json(const json::object& o, const std::string& path) {
  FieldErrors errors;
  const auto at = [&](const std::string& f) { return path.empty() ? f : path + "." + f; };
  Kind k;
  if (const auto* v = present(o, "id"); v != nullptr && v->is_string())
    k.id = std::string(v->get_string());
  if (!is_identifier(k.id))
    errors.add(at("id"), "identifier", "expected 1..64 characters a-z, 0-9 or _");
  if (const auto* v = present(o, "title"); v != nullptr && v->is_string())
    k.title = std::string(v->get_string());
  std::set<std::string> seen;
  if (const auto* v = present(o, "statuses");
      v != nullptr && v->is_array() && !v->get_array().empty()) {
    const auto& arr = v->get_array();
    for (size_t i = 0; i < arr.size(); ++i) {
      const std::string p = at("statuses[" + std::to_string(i) + "]");
      if (!arr[i].is_string() || !is_identifier(std::string(arr[i].get_string()))) {
        errors.add(p, "identifier", "expected 1..64 characters a-z, 0-9 or _");
        continue;
      }
      std::string s(arr[i].get_string());
      if (!seen.insert(s).second)
        errors.add(p, "duplicate", "status \"" + s + "\" is listed twice");
      k.statuses.push_back(std::move(s));
    }
  } else {
    errors.add(at("statuses"), "required", "expected a non-empty array of status ids");
  }
  if (const auto* v = present(o, "initial"); v != nullptr && v->is_string())
    k.initial = std::string(v->get_string());
  else if (!k.statuses.empty())
    k.initial = k.statuses.front();
  if (!k.statuses.empty() && !k.has_status(k.initial))
    errors.add(at("initial"), "status", "\"" + k.initial + "\" is not one of the statuses");
  if (const auto* v = present(o, "transitions"); v != nullptr) {
    if (!v->is_object()) {
      errors.add(at("transitions"), "type", "expected an object {from: [to, ...]}");
    } else {
      for (const auto& [from, tos] : v->get_object()) {
        const std::string p = at("transitions." + std::string(from));
        if (!k.has_status(std::string(from)))
          errors.add(p, "status", "\"" + std::string(from) + "\" is not one of the statuses");
        if (!tos.is_array()) {
          errors.add(p, "type", "expected an array of statuses");
          continue;
        }
        std::vector<std::string> list;
        for (size_t i = 0; i < tos.get_array().size(); ++i) {
          const auto& t = tos.get_array()[i];
          if (!t.is_string() || !k.has_status(std::string(t.get_string())))
            errors.add(p + "[" + std::to_string(i) + "]", "status", "is not one of the statuses");
          else
            list.emplace_back(t.get_string());
        }
        k.transitions[std::string(from)] = std::move(list);
      }
    }
  }
  for (const char* flag : {"has_items", "requires_countersign", "number_per_organization"}) {
    const auto* v = present(o, flag);
    if (v != nullptr && !v->is_bool()) errors.add(at(flag), "type", "expected a boolean");
  }
  const auto flag = [&](const char* f) {
    const auto* v = present(o, f);
    return v != nullptr && v->is_bool() && v->get_bool();
  };
  k.has_items = flag("has_items");
  k.requires_countersign = flag("requires_countersign");
  k.number_per_organization = flag("number_per_organization");
  if (const auto* v = present(o, "number_pattern"); v != nullptr && v->is_string())
    k.number_pattern = std::string(v->get_string());
  else
    k.number_pattern = "{seq:06}";
  try {
    k.number_uses_year = NumberPattern(k.number_pattern, at("number_pattern")).uses_year();
  } catch (const Error& e) {
    for (const auto& f : e.field_errors()) errors.add(f.field, f.rule, f.message);
  }
  errors.throw_if_any(ErrorCode::invalid);
  return k;
}

const std::vector<Kind>& builtin_kinds() {
  static const std::vector<Kind> kinds = [] {
    std::vector<Kind> out;
    const json::value parsed = json::parse(kBuiltinKinds);
    for (const auto& v : parsed.as_array()) {
      Kind k = Kind::from_json(v.as_object(), "");
      k.builtin = true;
      out.push_back(std::move(k));
    }
    return out;
  }();
  return kinds;
}

}  // namespace opora::registry
