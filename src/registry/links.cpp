// Typed links between documents: basis, part_of_packet, corrects, attachment_of.
#include <boost/json.hpp>

#include "core/error.hpp"
#include "registry/registry.hpp"
#include "store/store.hpp"

namespace opora::registry {
namespace json = boost::json;

namespace {

void check_type(const std::string& type) {
  for (const char* t : {"basis", "part_of_packet", "corrects", "attachment_of"})
    if (type == t) return;
  fail_field(ErrorCode::invalid, "type", "enum",
             "expected basis, part_of_packet, corrects or attachment_of");
}

}  // namespace

json::object Registry::link(int64_t from, int64_t to, const std::string& type, const Context& ctx) {
  check_type(type);
  if (from == to)
    fail_field(ErrorCode::invalid, "to", "self_link", "a document cannot link to itself");
  FieldErrors errors;
  for (const auto& [id, field] : {std::pair{from, "from"}, std::pair{to, "to"}}) {
    try {
      load(id, field, false);
    } catch (const Error& e) {
      for (const auto& f : e.field_errors()) errors.add(f.field, f.rule, f.message);
    }
  }
  errors.throw_if_any(ErrorCode::not_found);
  auto st = conn_.cached(
      "INSERT INTO document_link (from_id, type, to_id, created_at, actor) VALUES (?1, ?2, ?3, "
      "?4, ?5) ON CONFLICT DO NOTHING");
  st->bind(1, from).bind(2, type).bind(3, to).bind(4, ctx.now.to_string());
  if (ctx.actor)
    st->bind(5, *ctx.actor);
  else
    st->bind_null(5);
  st->run();
  const bool created = conn_.changes() > 0;
  if (created) journal(from, ctx, "link_added", type.c_str(), std::nullopt, std::to_string(to));
  return {{"from", from}, {"to", to}, {"type", type}, {"created", created}};
}

json::object Registry::unlink(int64_t from, int64_t to, const std::string& type,
                              const Context& ctx) {
  check_type(type);
  conn_.cached("DELETE FROM document_link WHERE from_id = ?1 AND type = ?2 AND to_id = ?3")
      ->bind(1, from)
      .bind(2, type)
      .bind(3, to)
      .run();
  if (conn_.changes() == 0)
    fail_field(ErrorCode::not_found, "to", "not_found",
               "no " + type + " link from " + std::to_string(from) + " to " + std::to_string(to));
  journal(from, ctx, "link_removed", type.c_str(), std::to_string(to), std::nullopt);
  return {{"from", from}, {"to", to}, {"type", type}, {"removed", true}};
}

json::object Registry::links(int64_t id) {
  load(id, "document");
  return {{"id", id}, {"links", links_of(id)}};
}

json::array Registry::links_of(int64_t id) {
  auto st = conn_.cached(
      "SELECT from_id, type, to_id, created_at, actor, 'out' FROM document_link WHERE from_id = ?1 "
      "UNION ALL SELECT from_id, type, to_id, created_at, actor, 'in' FROM document_link WHERE "
      "to_id = ?1 ORDER BY 4, 1, 3");
  st->bind(1, id);
  json::array out;
  while (st->step())
    out.push_back(
        json::object{{"from", st->int64(0)},
                     {"type", st->text(1)},
                     {"to", st->int64(2)},
                     {"created_at", st->text(3)},
                     {"actor", st->is_null(4) ? json::value(nullptr) : json::value(st->text(4))},
                     {"direction", st->text(5)}});
  return out;
}

}  // namespace opora::registry
