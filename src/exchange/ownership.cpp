// Who owns which field when the central file and a node both edit a
// document: rules as data per kind, first match wins.
#include "core/json_text.hpp"
#include "exchange/impl.hpp"

namespace opora::exchange {

namespace {

const std::vector<std::string> kRuleRoots = {"doc", "node"};

// Seed 002: the office moves statuses and payments, the agent edits the
// items (and the rest of the order) while it is new; after that the
// office's word stands and the agent's edit becomes a conflict record.
constexpr const char* kOrderRules = R"~([
  {"field": "number", "owner": "centre"},
  {"field": "status", "owner": "centre"},
  {"field": "custom.paid", "owner": "centre"},
  {"field": "custom.payment*", "owner": "centre"},
  {"field": "*", "owner": "node", "while": "doc.status == 'new'"},
  {"field": "*", "owner": "centre"}])~";

}  // namespace

std::vector<OwnershipRule> parse_rules(const json::value& v, const std::string& field) {
  FieldErrors errors;
  std::vector<OwnershipRule> out;
  if (!v.is_array() || v.as_array().empty()) {
    errors.add(field, "type", "expected a non-empty array of {field, owner, while?}");
    errors.throw_if_any(ErrorCode::invalid);
  }
  const auto& a = v.as_array();
  for (size_t i = 0; i < a.size(); ++i) {
    const std::string at = field + "[" + std::to_string(i) + "]";
    const auto* o = a[i].if_object();
    if (o == nullptr) {
      errors.add(at, "type", "expected an object {field, owner, while?}");
      continue;
    }
    for (const auto& kv : *o)
      if (kv.key() != "field" && kv.key() != "owner" && kv.key() != "while")
        errors.add(at + "." + std::string(kv.key()), "unknown_field",
                   "a rule has field, owner and while");
    OwnershipRule r;
    const auto* f = o->if_contains("field");
    if (f == nullptr || !f->is_string() || f->get_string().empty())
      errors.add(at + ".field", "required",
                 "a field path (\"status\", \"custom.paid\", \"custom.payment*\") or \"*\"");
    else
      r.field = std::string(f->get_string());
    const auto* w = o->if_contains("owner");
    if (w == nullptr || !w->is_string() ||
        (w->get_string() != "centre" && w->get_string() != "node"))
      errors.add(at + ".owner", "enum", "expected \"centre\" or \"node\"");
    else
      r.owner = std::string(w->get_string());
    if (const auto* c = o->if_contains("while"); c != nullptr && !c->is_null()) {
      if (!c->is_string()) {
        errors.add(at + ".while", "type", "expected an expression over doc and node");
      } else {
        try {
          r.when = std::make_shared<const workflow::Expression>(
              workflow::Expression::parse_with_roots(c->get_string(), at + ".while", kRuleRoots));
          r.when_text = std::string(c->get_string());
        } catch (const Error& e) {
          for (const auto& fe : e.field_errors()) errors.add(fe.field, fe.rule, fe.message);
        }
      }
    }
    out.push_back(std::move(r));
  }
  errors.throw_if_any(ErrorCode::invalid);
  return out;
}

std::vector<OwnershipRule> Exchange::Impl::rules_for(const std::string& kind) {
  auto st = conn.cached("SELECT rules FROM exchange_ownership WHERE kind = ?1");
  st->bind(1, kind);
  if (st->step()) return parse_rules(parse_stored(st->text(0)), "rules");
  if (kind == "order") return parse_rules(json::parse(kOrderRules), "rules");
  // Any other kind: the node edits it while it is in its kind's first
  // status; the number and the status are the central file's.
  const std::string initial = registry.kind(kind, "kind").initial;
  json::array rules{
      json::object{{"field", "number"}, {"owner", "centre"}},
      json::object{{"field", "status"}, {"owner", "centre"}},
      json::object{{"field", "*"}, {"owner", "node"}, {"while", "doc.status == '" + initial + "'"}},
      json::object{{"field", "*"}, {"owner", "centre"}}};
  return parse_rules(rules, "rules");
}

const OwnershipRule* Exchange::Impl::rule_for(const std::vector<OwnershipRule>& rules,
                                              const std::string& field,
                                              const json::object& current) {
  for (const auto& r : rules) {
    const bool matches = r.field == "*" || r.field == field ||
                         (r.field.back() == '*' && field.compare(0, r.field.size() - 1, r.field, 0,
                                                                 r.field.size() - 1) == 0);
    if (!matches) continue;
    if (r.when) {
      json::object scope{{"doc", current}, {"node", nullptr}};
      bool holds = false;
      try {
        holds = r.when->evaluate_bool(scope, {});
      } catch (const Error&) {
        holds = false;
      }
      if (!holds) continue;
    }
    return &r;
  }
  return nullptr;
}

json::object Exchange::put_ownership(const json::object& p, const Context& ctx) {
  const std::string kind(p.at("kind").as_string());
  impl_->registry.kind(kind, "kind");
  const auto rules = parse_rules(p.at("rules"), "rules");
  json::array stored;
  for (const auto& r : rules) {
    json::object o{{"field", r.field}, {"owner", r.owner}};
    if (r.when_text) o["while"] = *r.when_text;
    stored.push_back(std::move(o));
  }
  impl_->conn
      .cached(
          "INSERT INTO exchange_ownership (kind, rules, defined_at) VALUES (?1, ?2, ?3) "
          "ON CONFLICT (kind) DO UPDATE SET rules = excluded.rules, defined_at = "
          "excluded.defined_at")
      ->bind(1, kind)
      .bind(2, json::serialize(stored))
      .bind(3, ctx.now.to_string())
      .run();
  return {{"kind", kind}, {"rules", std::move(stored)}, {"builtin", false}};
}

json::object Exchange::ownership(const std::string& kind) {
  impl_->registry.kind(kind, "kind");
  auto st = impl_->conn.cached("SELECT 1 FROM exchange_ownership WHERE kind = ?1");
  st->bind(1, kind);
  const bool defined = st->step();
  json::array out;
  for (const auto& r : impl_->rules_for(kind)) {
    json::object o{{"field", r.field}, {"owner", r.owner}};
    if (r.when_text) o["while"] = *r.when_text;
    out.push_back(std::move(o));
  }
  return {{"kind", kind}, {"rules", std::move(out)}, {"builtin", !defined}};
}

}  // namespace opora::exchange
