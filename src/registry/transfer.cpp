// registry.export / registry.import: the whole registry as JSON lines —
// kinds, sequences, documents, file contents, files, links and the journal —
// so that importing an export into an empty database reproduces it.
#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "core/json_text.hpp"
#include "registry/registry.hpp"
#include "registry/rows.hpp"
#include "registry/storage.hpp"
#include "store/store.hpp"

namespace opora::registry {
namespace json = boost::json;

namespace {

constexpr int kFormatVersion = 1;
constexpr int64_t kMaxInlineDocuments = 20000;

json::value text_or_null(const store::Statement& st, int c) {
  return st.is_null(c) ? json::value(nullptr) : json::value(st.text(c));
}

json::value int_or_null(const store::Statement& st, int c) {
  return st.is_null(c) ? json::value(nullptr) : json::value(st.int64(c));
}

void bind_opt(store::Statement& st, int i, const json::value& v) {
  if (v.is_null())
    st.bind_null(i);
  else if (v.is_int64())
    st.bind(i, v.get_int64());
  else
    st.bind(i, std::string(v.as_string()));
}

// Feeds each line to `out` as it is produced, so a large registry streams
// to a file without being held in memory.
template <typename Out>
int64_t write_all(store::Connection& conn, bool include_journal, Out&& out) {
  int64_t lines = 0;
  const auto emit = [&](json::object o) {
    out(json::serialize(o));
    ++lines;
  };
  emit({{"type", "opora.registry"}, {"format", kFormatVersion}});
  {
    auto st = conn.cached("SELECT definition FROM registry_kind ORDER BY kind");
    while (st->step()) emit({{"type", "kind"}, {"kind", parse_stored(st->text(0))}});
  }
  {
    auto st = conn.cached("SELECT scope, last FROM registry_sequence ORDER BY scope");
    while (st->step()) emit({{"type", "sequence"}, {"scope", st->text(0)}, {"last", st->int64(1)}});
  }
  {
    static const std::string sql =
        std::string("SELECT ") + kDocumentColumns + ", d.chain_id FROM document d ORDER BY d.id";
    auto st = conn.cached(sql);
    while (st->step()) {
      json::object doc = document_from_row(*st);
      doc["chain_id"] = int_or_null(*st, kDocumentColumnCount);
      emit({{"type", "document"}, {"document", std::move(doc)}});
    }
  }
  {
    auto st = conn.cached("SELECT sha256, content FROM file_blob ORDER BY sha256");
    while (st->step())
      emit({{"type", "blob"},
            {"sha256", st->text(0)},
            {"content_base64", base64_encode(st->blob(1))}});
  }
  {
    auto st = conn.cached(
        "SELECT id, doc_id, name, mime, role, size, sha256, path, attached_at, actor FROM "
        "document_file ORDER BY id");
    while (st->step())
      emit({{"type", "file"},
            {"file_id", st->int64(0)},
            {"id", st->int64(1)},
            {"name", st->text(2)},
            {"mime", st->text(3)},
            {"role", st->text(4)},
            {"size", int_or_null(*st, 5)},
            {"sha256", text_or_null(*st, 6)},
            {"path", text_or_null(*st, 7)},
            {"attached_at", st->text(8)},
            {"actor", text_or_null(*st, 9)}});
  }
  {
    auto st = conn.cached(
        "SELECT from_id, type, to_id, created_at, actor FROM document_link ORDER BY from_id, type, "
        "to_id");
    while (st->step())
      emit({{"type", "link"},
            {"from", st->int64(0)},
            {"link_type", st->text(1)},
            {"to", st->int64(2)},
            {"created_at", st->text(3)},
            {"actor", text_or_null(*st, 4)}});
  }
  if (include_journal) {
    auto st = conn.cached(
        "SELECT doc_id, at, actor, action, field, old, new, reason FROM document_journal ORDER BY "
        "id");
    while (st->step())
      emit({{"type", "journal"},
            {"id", st->int64(0)},
            {"at", st->text(1)},
            {"actor", text_or_null(*st, 2)},
            {"action", st->text(3)},
            {"field", text_or_null(*st, 4)},
            {"old", text_or_null(*st, 5)},
            {"new", text_or_null(*st, 6)},
            {"reason", text_or_null(*st, 7)}});
  }
  return lines;
}

}  // namespace

json::object Registry::export_lines(const json::object& p) {
  const auto* include = p.if_contains("include_journal");
  const bool journal_too = include == nullptr || include->is_null() || include->as_bool();
  if (const auto* path = p.if_contains("path"); path != nullptr && !path->is_null()) {
    const std::string file(path->as_string());
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    if (!out) fail_field(ErrorCode::io, "path", "io", "cannot write \"" + file + "\"");
    const int64_t n =
        write_all(conn_, journal_too, [&](const std::string& line) { out << line << '\n'; });
    out.flush();
    if (!out) fail_field(ErrorCode::io, "path", "io", "writing \"" + file + "\" failed");
    return {{"path", file}, {"lines", n}};
  }
  // In the result, the export is held in memory twice (here and in the
  // host): beyond a modest registry, a file is the way.
  {
    auto st = conn_.cached("SELECT count(*) FROM document");
    st->step();
    if (st->int64(0) > kMaxInlineDocuments)
      fail_field(ErrorCode::invalid, "path", "required",
                 "the registry has " + std::to_string(st->int64(0)) + " documents; above " +
                     std::to_string(kMaxInlineDocuments) + " give path to export to a file");
  }
  std::string text;
  const int64_t n = write_all(conn_, journal_too, [&](const std::string& line) {
    text += line;
    text += '\n';
  });
  return {{"lines", n}, {"jsonl", std::move(text)}};
}

json::object Registry::import_lines(const json::object& p, const Context& ctx) {
  {
    auto st = conn_.cached(
        "SELECT (SELECT count(*) FROM document) + (SELECT count(*) FROM registry_kind)");
    st->step();
    if (st->int64(0) != 0)
      throw Error(ErrorCode::conflict,
                  "registry.import restores into an empty registry; this one already has documents "
                  "or kinds");
  }
  std::istringstream from_text;
  std::ifstream from_file;
  std::istream* in = nullptr;
  if (const auto* path = p.if_contains("path"); path != nullptr && !path->is_null()) {
    from_file.open(std::string(path->as_string()), std::ios::binary);
    if (!from_file)
      fail_field(ErrorCode::io, "path", "io",
                 "cannot read \"" + std::string(path->as_string()) + "\"");
    in = &from_file;
  } else if (const auto* text = p.if_contains("jsonl"); text != nullptr && !text->is_null()) {
    from_text.str(std::string(text->as_string()));
    in = &from_text;
  } else {
    fail_field(ErrorCode::invalid, "path", "required", "give path (a file) or jsonl (the text)");
  }
  // superseded_by points forward in id order: check references at commit.
  conn_.defer_foreign_keys();

  FieldErrors errors;
  std::map<std::string, int64_t> counts;
  std::string line;
  int64_t number = 0;
  while (std::getline(*in, line)) {
    ++number;
    if (line.empty()) continue;
    const std::string where = "line[" + std::to_string(number) + "]";
    boost::system::error_code ec;
    boost::json::parse_options line_options;
    line_options.max_depth = kMaxStoredDepth;
    json::value v = json::parse(line, ec, {}, line_options);
    if (ec || !v.is_object() || !v.as_object().contains("type") || !v.at("type").is_string()) {
      errors.add(where, "jsonl", "expected a JSON object with a \"type\"");
      continue;
    }
    const auto& o = v.as_object();
    const std::string type(o.at("type").as_string());
    ++counts[type];
    try {
      if (type == "opora.registry") {
        if (o.at("format") != kFormatVersion)
          errors.add(where + ".format", "format", "unsupported export format");
      } else if (type == "kind") {
        define_kind(o.at("kind").as_object(), ctx);
      } else if (type == "sequence") {
        conn_.cached("INSERT INTO registry_sequence (scope, last) VALUES (?1, ?2)")
            ->bind(1, std::string(o.at("scope").as_string()))
            .bind(2, o.at("last").as_int64())
            .run();
      } else if (type == "document") {
        const auto& doc = o.at("document").as_object();
        const Kind& k = kind(std::string(doc.at("kind").as_string()), where + ".document.kind");
        const size_t before = errors.list().size();
        Document d = parse_document(doc, k, where + ".document", errors);
        if (errors.list().size() != before) continue;
        d.id = doc.at("id").as_int64();
        d.deleted = doc.at("deleted").as_bool();
        auto st = conn_.cached(
            "INSERT INTO document (id, kind, number, number_scope, date, cp_tax_id, currency, "
            "gross, "
            "status, is_final, valid_from, valid_to, supersedes, superseded_by, chain_id, deleted, "
            "version, created_at, updated_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
            "?10, "
            "?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)");
        st->bind(1, d.id).bind(2, d.kind).bind(3, d.number).bind(4, d.number_key(k));
        st->bind(5, d.date.to_string());
        if (d.counterparty && !d.counterparty->tax_id.empty())
          st->bind(6, d.counterparty->tax_id);
        else
          st->bind_null(6);
        st->bind(7, d.currency.code());
        if (d.totals)
          st->bind(8, d.totals->gross.minor_units());
        else
          st->bind_null(8);
        st->bind(9, d.status).bind(10, int64_t{d.is_final ? 1 : 0});
        if (d.valid_from)
          st->bind(11, d.valid_from->to_string());
        else
          st->bind_null(11);
        if (d.valid_to)
          st->bind(12, d.valid_to->to_string());
        else
          st->bind_null(12);
        if (d.supersedes)
          st->bind(13, *d.supersedes);
        else
          st->bind_null(13);
        bind_opt(*st, 14, doc.at("superseded_by"));
        bind_opt(*st, 15, doc.contains("chain_id") ? doc.at("chain_id") : json::value(nullptr));
        st->bind(16, int64_t{doc.at("deleted").as_bool() ? 1 : 0});
        st->bind(17, doc.at("version").as_int64());
        st->bind(18, std::string(doc.at("created_at").as_string()));
        st->bind(19, std::string(doc.at("updated_at").as_string()));
        st->bind(20, body_text(d));
        st->run();
        // An export from before uids existed gets new ones.
        const auto* uid = doc.if_contains("uid");
        conn_.cached("UPDATE document SET uid = ?2 WHERE id = ?1")
            ->bind(1, d.id)
            .bind(2, uid != nullptr && uid->is_string() ? std::string(uid->get_string())
                     : new_uid_                         ? new_uid_()
                                                        : std::string())
            .run();
        write_refs(conn_, d, false);
        queue_index(conn_, d.id);
      } else if (type == "blob") {
        const std::string bytes =
            base64_decode_field(o.at("content_base64").as_string(), where + ".content_base64");
        conn_.cached("INSERT INTO file_blob (sha256, size, content) VALUES (?1, ?2, ?3)")
            ->bind(1, std::string(o.at("sha256").as_string()))
            .bind(2, static_cast<int64_t>(bytes.size()))
            .bind_blob(3, bytes)
            .run();
      } else if (type == "file") {
        auto st = conn_.cached(
            "INSERT INTO document_file (id, doc_id, name, mime, role, size, sha256, path, "
            "attached_at, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
        st->bind(1, o.at("file_id").as_int64()).bind(2, o.at("id").as_int64());
        st->bind(3, std::string(o.at("name").as_string()))
            .bind(4, std::string(o.at("mime").as_string()));
        st->bind(5, std::string(o.at("role").as_string()));
        bind_opt(*st, 6, o.at("size"));
        bind_opt(*st, 7, o.at("sha256"));
        bind_opt(*st, 8, o.at("path"));
        st->bind(9, std::string(o.at("attached_at").as_string()));
        bind_opt(*st, 10, o.at("actor"));
        st->run();
      } else if (type == "link") {
        auto st = conn_.cached(
            "INSERT INTO document_link (from_id, type, to_id, created_at, actor) VALUES (?1, ?2, "
            "?3, ?4, ?5)");
        st->bind(1, o.at("from").as_int64()).bind(2, std::string(o.at("link_type").as_string()));
        st->bind(3, o.at("to").as_int64()).bind(4, std::string(o.at("created_at").as_string()));
        bind_opt(*st, 5, o.at("actor"));
        st->run();
      } else if (type == "journal") {
        auto st = conn_.cached(
            "INSERT INTO document_journal (doc_id, at, actor, action, field, old, new, reason) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
        st->bind(1, o.at("id").as_int64()).bind(2, std::string(o.at("at").as_string()));
        bind_opt(*st, 3, o.at("actor"));
        st->bind(4, std::string(o.at("action").as_string()));
        bind_opt(*st, 5, o.at("field"));
        bind_opt(*st, 6, o.at("old"));
        bind_opt(*st, 7, o.at("new"));
        bind_opt(*st, 8, o.at("reason"));
        st->run();
      } else {
        errors.add(where + ".type", "enum", "unknown line type \"" + type + "\"");
      }
    } catch (const Error& e) {
      if (e.field_errors().empty()) errors.add(where, "import", e.what());
      for (const auto& f : e.field_errors()) errors.add(f.field, f.rule, f.message);
      // A statement that failed on PostgreSQL aborted the whole transaction:
      // every later line would only repeat that. The import is refused either way.
      if (e.field_errors().empty() && conn_.engine() == store::Engine::postgresql) break;
    } catch (const std::exception& e) {
      // A missing or mistyped member of a line (Boost.JSON's at/as throw).
      errors.add(where, "jsonl", std::string("malformed line: ") + e.what());
    }
    if (errors.list().size() > 100) break;  // enough to show what is wrong
  }
  // The file may have been edited by hand: numbers must still be unique
  // per kind (a version may share its predecessor's number).
  if (errors.empty()) {
    auto dup = conn_.cached(
        "SELECT number_scope, number FROM document GROUP BY number_scope, number "
        "HAVING count(DISTINCT coalesce(chain_id, id)) > 1 LIMIT 10");
    while (dup->step())
      errors.add(
          "jsonl", "duplicate_number",
          "number \"" + dup->text(1) + "\" appears on more than one " + dup->text(0) + " document");
  }
  errors.throw_if_any(ErrorCode::validation);
  json::object c;
  for (const auto& [type, n] : counts) c[type] = n;
  return {{"lines", number}, {"counts", std::move(c)}};
}

}  // namespace opora::registry
