// Files of a document: content stored once per SHA-256, or a path reference.
#include <boost/json.hpp>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "core/json_text.hpp"
#include "core/sha256.hpp"
#include "registry/registry.hpp"
#include "store/store.hpp"

namespace opora::registry {
namespace json = boost::json;

namespace {

json::object file_json(const store::Statement& st) {
  const auto text = [&](int c) {
    return st.is_null(c) ? json::value(nullptr) : json::value(st.text(c));
  };
  return {{"file_id", st.int64(0)},
          {"id", st.int64(1)},
          {"name", st.text(2)},
          {"mime", st.text(3)},
          {"role", st.text(4)},
          {"size", st.is_null(5) ? json::value(nullptr) : json::value(st.int64(5))},
          {"sha256", text(6)},
          {"path", text(7)},
          {"attached_at", st.text(8)},
          {"actor", text(9)}};
}

constexpr const char* kFileColumns =
    "id, doc_id, name, mime, role, size, sha256, path, attached_at, actor";

}  // namespace

json::object Registry::attach_file(const json::object& p, const Context& ctx) {
  const int64_t id = p.at("document").as_int64();
  const json::object doc = load(id, "document");
  if (doc.at("deleted").as_bool())
    fail_field(ErrorCode::state, "document", "deleted",
               "document " + std::to_string(id) + " is deleted; restore it first");
  const auto* content = present(p, "content_base64");
  const auto* path = present(p, "path");
  if ((content == nullptr) == (path == nullptr))
    fail_field(ErrorCode::invalid, "content_base64", "content_or_path",
               "give exactly one of content_base64 (the bytes) or path (a reference)");

  std::optional<std::string> sha;
  std::optional<int64_t> size;
  if (content != nullptr) {
    const auto& text = content->as_string();
    // Reject before decoding: base64 is 4/3 of the bytes.
    const int64_t approx = static_cast<int64_t>(text.size() / 4 * 3);
    if (approx - 2 > ctx.max_file_bytes)
      fail_field(ErrorCode::validation, "content_base64", "file_too_large",
                 "the file is about " + std::to_string(approx) + " bytes; the limit is " +
                     std::to_string(ctx.max_file_bytes) + " (open option max_file_bytes)");
    const std::string bytes = base64_decode_field(text, "content_base64");
    if (static_cast<int64_t>(bytes.size()) > ctx.max_file_bytes)
      fail_field(ErrorCode::validation, "content_base64", "file_too_large",
                 "the file is " + std::to_string(bytes.size()) + " bytes; the limit is " +
                     std::to_string(ctx.max_file_bytes) + " (open option max_file_bytes)");
    sha = store_blob(bytes);
    size = static_cast<int64_t>(bytes.size());
  } else if (const auto* s = present(p, "size")) {
    size = s->as_int64();
  }
  auto st = conn_.cached(
      "INSERT INTO document_file (doc_id, name, mime, role, size, sha256, path, attached_at, "
      "actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  st->bind(1, id).bind(2, std::string(p.at("name").as_string()));
  st->bind(3,
           present(p, "mime") ? std::string(p.at("mime").as_string()) : "application/octet-stream");
  st->bind(4, present(p, "role") ? std::string(p.at("role").as_string()) : "original");
  if (size)
    st->bind(5, *size);
  else
    st->bind_null(5);
  if (sha)
    st->bind(6, *sha);
  else
    st->bind_null(6);
  if (path != nullptr)
    st->bind(7, std::string(path->as_string()));
  else
    st->bind_null(7);
  st->bind(8, ctx.now.to_string());
  if (ctx.actor)
    st->bind(9, *ctx.actor);
  else
    st->bind_null(9);
  st->run();
  const int64_t file_id = conn_.last_insert_rowid();
  journal(id, ctx, "file_attached", "files", std::nullopt, std::string(p.at("name").as_string()));
  return get_file_meta(file_id);
}

std::string Registry::store_blob(std::string_view bytes) {
  std::string sha = sha256_hex(bytes);
  auto st = conn_.cached(
      "INSERT INTO file_blob (sha256, size, content) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING");
  st->bind(1, sha).bind(2, static_cast<int64_t>(bytes.size())).bind_blob(3, bytes).run();
  return sha;
}

bool Registry::has_blob(std::string_view sha256) {
  auto st = conn_.cached("SELECT 1 FROM file_blob WHERE sha256 = ?1");
  st->bind(1, sha256);
  return st->step();
}

std::optional<std::string> Registry::blob(std::string_view sha256) {
  auto st = conn_.cached("SELECT content FROM file_blob WHERE sha256 = ?1");
  st->bind(1, sha256);
  if (!st->step()) return std::nullopt;
  return st->blob(0);
}

json::object Registry::get_file_meta(int64_t file_id) {
  static const std::string sql =
      std::string("SELECT ") + kFileColumns + " FROM document_file WHERE id = ?1";
  auto st = conn_.cached(sql);
  st->bind(1, file_id);
  if (!st->step())
    fail_field(ErrorCode::not_found, "file", "not_found",
               "no file with id " + std::to_string(file_id));
  return file_json(*st);
}

json::object Registry::get_file(int64_t file_id) {
  json::object out = get_file_meta(file_id);
  if (out.at("sha256").is_string() && out.at("path").is_null()) {
    auto st = conn_.cached("SELECT content FROM file_blob WHERE sha256 = ?1");
    st->bind(1, std::string(out.at("sha256").as_string()));
    if (!st->step())
      throw Error(ErrorCode::corrupt,
                  "file content missing for sha256 " + std::string(out.at("sha256").as_string()));
    out["content_base64"] = base64_encode(st->blob(0));
  }
  return out;
}

json::object Registry::list_files(int64_t id) {
  load(id, "document");
  return {{"id", id}, {"files", files_of(id)}};
}

json::array Registry::files_of(int64_t id) {
  static const std::string sql =
      std::string("SELECT ") + kFileColumns + " FROM document_file WHERE doc_id = ?1 ORDER BY id";
  auto st = conn_.cached(sql);
  st->bind(1, id);
  json::array out;
  while (st->step()) out.push_back(file_json(*st));
  return out;
}

}  // namespace opora::registry
