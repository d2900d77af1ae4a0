// Writing documents: create, update, bulk load, numbering, versions,
// status changes, delete and restore — each change journalled.
#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>
#include <vector>

#include "core/error.hpp"
#include "registry/numbering.hpp"
#include "registry/registry.hpp"
#include "registry/rows.hpp"
#include "registry/storage.hpp"
#include "store/store.hpp"

namespace opora::registry {
namespace json = boost::json;

namespace {

std::optional<std::string> json_text(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  return v->is_string() ? std::string(v->get_string()) : json::serialize(*v);
}

// Members of a registry.get result that opora maintains. A result may be put
// back as it came (the CRM pattern "get, change one field, put"): each one
// given must then be what opora holds, so a change to one is refused, never
// silently ignored. "version" is checked as expected_version is.
constexpr const char* kReadOnly[] = {"version",    "deleted", "superseded_by", "created_at",
                                     "updated_at", "files",   "links"};

}  // namespace

// One write operation (a put, or a whole put_many): caches sequence
// counters and kinds across its documents and writes them back once.
class Registry::Writer {
 public:
  Writer(Registry& r, const Context& ctx)
      : r_(r), conn_(r.conn_), ctx_(&ctx), now_(ctx.now.to_string()) {}

  // The actor, reason and time the following writes are journalled with.
  void use_context(const Context& ctx) {
    ctx_ = &ctx;
    now_ = ctx.now.to_string();
  }

  // Creates or updates one document from host JSON; problems go to `errors`
  // under `path`. Returns {id, number} or an empty object when refused.
  json::object put(const json::object& in, const std::string& path, FieldErrors& errors) {
    std::optional<int64_t> id;
    if (const auto* v = in.if_contains("id"); v != nullptr && !v->is_null()) {
      if (!v->is_int64() || v->get_int64() <= 0) {
        errors.add(at(path, "id"), "type", "expected a document id (a positive integer)");
        return {};
      }
      id = v->get_int64();
    }
    if (const auto* v = in.if_contains("uid"); v != nullptr && v->is_string()) {
      const size_t before = errors.list().size();
      const auto holder = r_.find_uid(v->get_string());
      if (id && holder && *holder != *id)
        errors.add(at(path, "uid"), "read_only",
                   "document " + std::to_string(*id) + " has another uid; " +
                       std::string(v->get_string()) + " is document " + std::to_string(*holder));
      else if (id && !holder)
        errors.add(
            at(path, "uid"), "read_only",
            "is set when a document is created; document " + std::to_string(*id) + " has another");
      if (errors.list().size() != before) return {};
      if (!id) id = holder;
    }
    return id ? update(*id, in, path, errors) : create(in, path, errors);
  }

  // Writes what the write kept for its end: the journal rows, in bulk, and
  // the sequence counters it moved.
  void finish() {
    r_.write_journal(journal_);
    journal_.clear();
    for (const auto& scope : dirty_) {
      auto st = conn_.cached(
          "INSERT INTO registry_sequence (scope, last) VALUES (?1, ?2) "
          "ON CONFLICT (scope) DO UPDATE SET last = excluded.last");
      st->bind(1, scope).bind(2, last_.at(scope)).run();
    }
    dirty_.clear();
  }

  // ctx.now as text, as the write's rows carry it.
  const std::string& now() const { return now_; }

  // The next free number in a scope without taking it (preview) or taking it.
  std::string number(const Kind& kind, const Document& d, bool take) {
    const std::string scope = d.sequence_scope(kind);
    const std::string key = d.number_key(kind);
    int64_t& last = last_of(scope);
    const NumberPattern& pattern = pattern_of(kind);
    int64_t seq = last;
    std::string candidate;
    // A number given by hand may already hold the next value: skip it, so a
    // number is never issued twice.
    const std::string prefix = number_prefix();
    do {
      candidate = prefix + pattern.format(d.date, ++seq);
    } while (taken(key, candidate).has_value());
    if (take) {
      last = seq;
      dirty_.insert(scope);
    }
    return candidate;
  }

  // Takes `count` numbers of the scope of `d` (kind, organisation, year), the
  // ones number() would take one after another: one read finds which of the
  // candidates are held (given by hand) instead of a probe for each.
  std::vector<std::string> take_numbers(const Kind& kind, const Document& d, size_t count) {
    const std::string scope = d.sequence_scope(kind);
    const std::string key = d.number_key(kind);
    int64_t& last = last_of(scope);
    const NumberPattern& pattern = pattern_of(kind);
    const std::string prefix = number_prefix();
    std::vector<std::string> out;
    out.reserve(count);
    int64_t seq = last;
    while (out.size() < count) {
      std::vector<std::string> candidates;
      candidates.reserve(count - out.size());
      for (size_t k = out.size(); k < count; ++k)
        candidates.push_back(
            prefix + pattern.format(d.date, seq + 1 + static_cast<int64_t>(k - out.size())));
      const std::set<std::string> held = held_among(key, candidates);
      for (auto& c : candidates) {
        ++seq;
        if (held.count(c) == 0) out.push_back(std::move(c));
      }
    }
    last = seq;
    dirty_.insert(scope);
    return out;
  }

 private:
  int64_t& last_of(const std::string& scope) {
    auto it = last_.find(scope);
    if (it == last_.end()) {
      auto st = conn_.cached("SELECT last FROM registry_sequence WHERE scope = ?1");
      st->bind(1, scope);
      it = last_.emplace(scope, st->step() ? st->int64(0) : 0).first;
    }
    return it->second;
  }

  const NumberPattern& pattern_of(const Kind& kind) {
    return patterns_.try_emplace(kind.id, kind.number_pattern, "kind.number_pattern").first->second;
  }

  // A node's own numbers are provisional and say whose they are; the
  // central file gives the final one.
  std::string number_prefix() const {
    return r_.number_prefix_ ? *r_.number_prefix_ + "/" : std::string();
  }

  // Which of `candidates` documents of `key` already hold: the numbers
  // between the least and the greatest of them (in byte order, as the
  // column compares), or, when a pattern's numbers do not sort as their
  // sequence and the range holds many more, a probe for each.
  std::set<std::string> held_among(const std::string& key,
                                   const std::vector<std::string>& candidates) {
    std::set<std::string> held;
    if (candidates.empty()) return held;
    const auto [lo, hi] = std::minmax_element(candidates.begin(), candidates.end());
    const auto limit = static_cast<int64_t>(2 * candidates.size() + 64);
    {
      auto st = conn_.cached(
          "SELECT number FROM document WHERE number_scope = ?1 AND number BETWEEN ?2 AND ?3 "
          "LIMIT ?4");
      st->bind(1, key).bind(2, *lo).bind(3, *hi).bind(4, limit);
      int64_t rows = 0;
      while (st->step()) {
        held.insert(st->text(0));
        ++rows;
      }
      if (rows < limit) return held;
    }
    held.clear();
    for (const auto& c : candidates)
      if (taken(key, c)) held.insert(c);
    return held;
  }

 private:
  void journal(int64_t doc_id, const Context& ctx, const char* action, const char* field,
               std::optional<std::string> old_value, std::optional<std::string> new_value) {
    journal_.push_back(r_.journal_entry(doc_id, ctx, now_, action, field, std::move(old_value),
                                        std::move(new_value)));
  }

  static std::string at(const std::string& path, const char* f) {
    return path.empty() ? std::string(f) : path + "." + f;
  }

  // The read-only members a change gives must be what the document has.
  void check_read_only(int64_t id, const json::object& old, const json::object& patch,
                       const std::string& path, FieldErrors& errors) {
    for (const char* f : kReadOnly) {
      const auto* given = patch.if_contains(f);
      if (given == nullptr || given->is_null()) continue;
      const std::string_view name(f);
      const json::value held = name == "files"   ? json::value(r_.files_of(id))
                               : name == "links" ? json::value(r_.links_of(id))
                                                 : old.at(f);
      if (*given == held) continue;
      if (name == "version")
        fail_field(ErrorCode::conflict, at(path, f), "version",
                   "document " + std::to_string(id) + " is at version " + json::serialize(held) +
                       ", not " + json::serialize(*given) +
                       "; reload it and apply the change again");
      errors.add(at(path, f), "read_only",
                 std::string("is set by opora and is ") + json::serialize(held) +
                     " for this document; leave it out or give it as registry.get returns it" +
                     (name == "deleted" ? " (registry.delete and registry.restore change it)"
                      : name == "files" ? " (registry.file.attach adds files)"
                      : name == "links" ? " (registry.link and registry.unlink change them)"
                      : name == "superseded_by" ? " (a new version with supersedes sets it)"
                                                : ""));
    }
  }

  // The document holding `number` in `scope`, with its chain, if any.
  std::optional<std::pair<int64_t, int64_t>> taken(const std::string& scope,
                                                   const std::string& number) {
    auto st = conn_.cached(
        "SELECT id, coalesce(chain_id, id) FROM document WHERE number_scope = ?1 AND number = ?2 "
        "LIMIT 1");
    st->bind(1, scope).bind(2, number);
    if (!st->step()) return std::nullopt;
    return std::make_pair(st->int64(0), st->int64(1));
  }

  const Kind* kind_of(const json::object& in, const std::string& path, FieldErrors& errors) {
    const auto* v = in.if_contains("kind");
    if (v == nullptr || v->is_null()) {
      errors.add(at(path, "kind"), "required", "is required");
      return nullptr;
    }
    if (!v->is_string()) {
      errors.add(at(path, "kind"), "type", "expected a string");
      return nullptr;
    }
    try {
      return &r_.kind(std::string(v->get_string()), at(path, "kind"));
    } catch (const Error& e) {
      for (const auto& f : e.field_errors()) errors.add(f.field, f.rule, f.message);
      return nullptr;
    }
  }

  // Checks that need the database: basis and superseded documents exist, a
  // given number is free (or belongs to the chain being continued).
  void check_references(Document& d, const Kind& kind, const std::string& path, FieldErrors& errors,
                        std::optional<int64_t>& chain) {
    if (d.basis_id && !exists(*d.basis_id))
      errors.add(at(path, "basis_id"), "not_found",
                 "no document with id " + std::to_string(*d.basis_id));
    if (d.supersedes) {
      auto st = conn_.cached(
          "SELECT kind, deleted, superseded_by, coalesce(chain_id, id) FROM document WHERE id = "
          "?1");
      st->bind(1, *d.supersedes);
      if (!st->step()) {
        errors.add(at(path, "supersedes"), "not_found",
                   "no document with id " + std::to_string(*d.supersedes));
      } else if (st->text(0) != d.kind) {
        errors.add(at(path, "supersedes"), "kind_mismatch",
                   "document " + std::to_string(*d.supersedes) + " is a " + st->text(0) +
                       ", not a " + d.kind);
      } else if (st->int64(1) != 0) {
        errors.add(at(path, "supersedes"), "deleted",
                   "document " + std::to_string(*d.supersedes) + " is deleted");
      } else if (!st->is_null(2)) {
        errors.add(at(path, "supersedes"), "already_superseded",
                   "document " + std::to_string(*d.supersedes) + " is already replaced by " +
                       std::to_string(st->int64(2)));
      } else {
        chain = st->int64(3);
      }
    }
    if (!d.number.empty()) {
      if (auto holder = taken(d.number_key(kind), d.number);
          holder && holder->first != d.id && (!chain || holder->second != *chain))
        errors.add(at(path, "number"), "duplicate_number",
                   "number \"" + d.number + "\" is already used by document " +
                       std::to_string(holder->first) + " (" + d.kind + ", " +
                       std::to_string(d.date.year()) + ")");
    }
  }

  bool exists(int64_t id) {
    auto st = conn_.cached("SELECT 1 FROM document WHERE id = ?1");
    st->bind(1, id);
    return st->step();
  }

  void bind_columns(store::Statement& st, const Document& d, const Kind& kind) {
    st.bind(1, d.kind).bind(2, d.number).bind(3, d.number_key(kind)).bind(4, d.date.to_string());
    if (d.counterparty && !d.counterparty->tax_id.empty())
      st.bind(5, d.counterparty->tax_id);
    else
      st.bind_null(5);
    st.bind(6, d.currency.code());
    if (d.totals)
      st.bind(7, d.totals->gross.minor_units());
    else
      st.bind_null(7);
    st.bind(8, d.status).bind(9, int64_t{d.is_final ? 1 : 0});
    if (d.valid_from)
      st.bind(10, d.valid_from->to_string());
    else
      st.bind_null(10);
    if (d.valid_to)
      st.bind(11, d.valid_to->to_string());
    else
      st.bind_null(11);
    if (d.supersedes)
      st.bind(12, *d.supersedes);
    else
      st.bind_null(12);
    st.bind(13, body_text(d));
  }

  json::object create(const json::object& in, const std::string& path, FieldErrors& errors) {
    const size_t before = errors.list().size();
    for (const char* f : kReadOnly)
      if (const auto* v = in.if_contains(f); v != nullptr && !v->is_null())
        errors.add(at(path, f), "read_only",
                   "is set by opora; a new document has none (leave it out, or give the id of "
                   "the document it belongs to)");
    const Kind* kind = kind_of(in, path, errors);
    if (kind == nullptr) return {};
    Document d = parse_document(in, *kind, path, errors, r_.item_resolver_);
    if (kind->number_per_organization && !d.organization)
      errors.add(at(path, "organization"), "required",
                 "kind \"" + kind->id + "\" is numbered per organisation: give the organisation");
    std::optional<int64_t> chain;
    check_references(d, *kind, path, errors, chain);
    if (errors.list().size() != before) return {};
    if (d.number.empty()) d.number = number(*kind, d, true);
    std::string uid;
    if (const auto* v = in.if_contains("uid"); v != nullptr && v->is_string())
      uid = std::string(v->get_string());
    else if (r_.new_uid_)
      uid = r_.new_uid_();
    else
      throw Error(ErrorCode::internal, "the registry has no source of document uids");

    const std::string& now = now_;
    auto st = conn_.cached(
        "INSERT INTO document (kind, number, number_scope, date, cp_tax_id, currency, gross, "
        "status, is_final, valid_from, valid_to, supersedes, body, chain_id, version, created_at, "
        "updated_at, uid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 1, "
        "?15, ?15, ?16)");
    bind_columns(*st, d, *kind);
    if (chain)
      st->bind(14, *chain);
    else
      st->bind_null(14);
    st->bind(15, now).bind(16, uid).run();
    d.id = conn_.last_insert_rowid();
    write_refs(conn_, d, false);
    queue_index(conn_, d.id);
    journal(d.id, *ctx_, "created", nullptr, std::nullopt, d.number);
    if (d.supersedes) {
      auto up = conn_.cached(
          "UPDATE document SET is_final = 0, superseded_by = ?2, version = version + 1, "
          "updated_at = ?3 WHERE id = ?1");
      up->bind(1, *d.supersedes).bind(2, d.id).bind(3, now).run();
      journal(*d.supersedes, *ctx_, "superseded", "superseded_by", std::nullopt,
              std::to_string(d.id));
    }
    return {{"id", d.id}, {"number", d.number}};
  }

  json::object update(int64_t id, const json::object& patch, const std::string& path,
                      FieldErrors& errors) {
    const json::object old = r_.load(id, at(path, "id"));
    if (old.at("deleted").as_bool())
      fail_field(ErrorCode::state, at(path, "id"), "deleted",
                 "document " + std::to_string(id) + " is deleted; restore it first");
    if (const auto* v = patch.if_contains("expected_version"); v != nullptr && !v->is_null()) {
      if (!v->is_int64())
        fail_field(ErrorCode::invalid, at(path, "expected_version"), "type",
                   "expected the document's version, an integer");
      if (v->get_int64() != old.at("version").as_int64())
        fail_field(ErrorCode::conflict, at(path, "expected_version"), "version",
                   "document " + std::to_string(id) + " is at version " +
                       std::to_string(old.at("version").as_int64()) +
                       "; reload it and apply the change again");
    }
    check_read_only(id, old, patch, path, errors);
    const size_t before = errors.list().size();
    const Kind& kind = r_.kind(std::string(old.at("kind").as_string()), at(path, "kind"));
    for (const char* f : {"kind", "supersedes"})
      if (const auto* v = patch.if_contains(f); v != nullptr && !v->is_null() && *v != old.at(f))
        errors.add(at(path, f), "immutable", std::string("cannot change ") + f + " of a document");

    // Apply the patch: present fields replace, null clears; totals of a
    // document with items are derived, so they follow the items.
    json::object merged = old;
    for (const char* f : writable_fields()) {
      const auto* v = patch.if_contains(f);
      if (v == nullptr) continue;
      if (v->is_null())
        merged.erase(f);
      else
        merged[f] = *v;
    }
    const auto* items = merged.if_contains("items");
    const bool has_items = items != nullptr && items->is_array() && !items->get_array().empty();
    // Items changed or cleared: the stored totals were theirs, so they go
    // too unless the patch states new ones.
    if ((has_items || patch.contains("items")) && !patch.contains("totals")) merged.erase("totals");
    if (!merged.contains("number")) merged["number"] = old.at("number");

    // Stored items stay as they were priced; items given again are looked up anew.
    Document d = parse_document(merged, kind, path, errors,
                                patch.contains("items") ? r_.item_resolver_ : nullptr);
    d.id = id;
    // The document's own version chain: its number may be shared with the
    // versions it continues.
    std::optional<int64_t> chain;
    {
      auto st = conn_.cached("SELECT coalesce(chain_id, id) FROM document WHERE id = ?1");
      st->bind(1, id);
      if (st->step()) chain = st->int64(0);
    }
    if (errors.list().size() == before) {
      d.supersedes.reset();  // validated at creation; unchanged here
      check_references(d, kind, path, errors, chain);
      d.supersedes = old.at("supersedes").is_null()
                         ? std::nullopt
                         : std::optional<int64_t>(old.at("supersedes").as_int64());
    }
    if (kind.number_per_organization && !d.organization)
      errors.add(at(path, "organization"), "required",
                 "kind \"" + kind.id + "\" is numbered per organisation: the organisation stays");
    if (!old.at("superseded_by").is_null() && d.is_final)
      errors.add(at(path, "is_final"), "superseded",
                 "document " + std::to_string(id) + " was replaced by " +
                     std::to_string(old.at("superseded_by").as_int64()) + " and cannot be final");
    const std::string old_status(old.at("status").as_string());
    if (errors.list().size() == before && d.status != old_status && !ctx_->authoritative &&
        !kind.allows(old_status, d.status))
      errors.add(at(path, "status"), "transition",
                 kind.id + " cannot go from " + old_status + " to " + d.status);
    if (errors.list().size() != before) return {};

    d.superseded_by = old.at("superseded_by").is_null()
                          ? std::nullopt
                          : std::optional<int64_t>(old.at("superseded_by").as_int64());
    const json::object now_doc = to_json(d);
    bool changed = false;
    for (const char* f : writable_fields()) {
      const json::value& a = old.contains(f) ? old.at(f) : json::value();
      const json::value& b = now_doc.contains(f) ? now_doc.at(f) : json::value();
      if (a == b) continue;
      changed = true;
      journal(id, *ctx_, std::string_view(f) == "status" ? "status_changed" : "changed", f,
              json_text(old, f), json_text(now_doc, f));
    }
    if (!changed) return {{"id", id}, {"number", d.number}};

    auto st = conn_.cached(
        "UPDATE document SET kind = ?1, number = ?2, number_scope = ?3, date = ?4, cp_tax_id = ?5, "
        "currency = ?6, gross = ?7, status = ?8, is_final = ?9, valid_from = ?10, valid_to = ?11, "
        "supersedes = ?12, body = ?13, version = version + 1, updated_at = ?14 WHERE id = ?15");
    bind_columns(*st, d, kind);
    st->bind(14, now_).bind(15, id).run();
    write_refs(conn_, d, true);
    queue_index(conn_, d.id);
    return {{"id", id}, {"number", d.number}};
  }

  Registry& r_;
  store::Connection& conn_;
  const Context* ctx_;
  std::string now_;  // ctx_->now as text
  std::map<std::string, int64_t> last_;
  std::map<std::string, NumberPattern> patterns_;  // by kind id, parsed once per write
  std::set<std::string> dirty_;
  std::vector<JournalEntry> journal_;  // written by finish()
};

json::object Registry::put(const json::object& params, const Context& ctx) {
  Writer w(*this, ctx);
  FieldErrors errors;
  const json::object written = w.put(params, "", errors);
  errors.throw_if_any(ErrorCode::validation);
  w.finish();
  return load(written.at("id").as_int64(), "id");
}

json::object Registry::put_many(const json::array& documents, const Context& ctx) {
  Writer w(*this, ctx);
  FieldErrors errors;
  json::array out;
  out.reserve(documents.size());
  for (size_t i = 0; i < documents.size(); ++i) {
    const std::string path = "documents[" + std::to_string(i) + "]";
    if (!documents[i].is_object()) {
      errors.add(path, "type", "expected a document object");
      continue;
    }
    // Keep going after a bad document so the host sees every problem at
    // once (up to a readable hundred); the engine's transaction drops
    // whatever was written.
    if (errors.list().size() >= 100) {
      errors.add("documents", "too_many_errors",
                 "stopped at document " + std::to_string(i) + " after 100 problems");
      break;
    }
    const json::object& doc = documents[i].get_object();
    json::object written;
    if (doc.contains("actor") || doc.contains("reason")) {
      // This document's own actor and reason go into the journal.
      Context own = ctx;
      if (const auto* a = doc.if_contains("actor"); a != nullptr && a->is_string())
        own.actor = std::string(a->get_string());
      if (const auto* r = doc.if_contains("reason"); r != nullptr && r->is_string())
        own.reason = std::string(r->get_string());
      w.use_context(own);
      written = w.put(doc, path, errors);
      w.use_context(ctx);
    } else {
      written = w.put(doc, path, errors);
    }
    if (errors.empty()) out.push_back(std::move(written));
  }
  errors.throw_if_any(ErrorCode::validation);
  w.finish();
  return {{"count", static_cast<int64_t>(out.size())}, {"documents", std::move(out)}};
}

void Registry::create_many(std::vector<Document>& documents, const Context& ctx) {
  create_documents(documents, ctx, false);
}

void Registry::create_many_numbered(std::vector<Document>& documents, const Context& ctx) {
  create_documents(documents, ctx, true);
}

std::string Registry::sequence_scope(const Document& d) {
  return d.sequence_scope(kind(d.kind, "kind"));
}

std::vector<std::string> Registry::take_numbers(const Document& d, size_t count,
                                                const Context& ctx) {
  if (count == 0) return {};
  // Beside other writers (a billing run's workers reserving their chunks'
  // numbers on PostgreSQL) a sequence is read and moved one writer at a time.
  conn_.serialize();
  Writer w(*this, ctx);
  std::vector<std::string> out = w.take_numbers(kind(d.kind, "kind"), d, count);
  w.finish();
  return out;
}

void Registry::create_documents(std::vector<Document>& documents, const Context& ctx,
                                bool numbered) {
  if (documents.empty()) return;
  if (!new_uid_) throw Error(ErrorCode::internal, "the registry has no source of document uids");
  const auto refuse = [](const Document& d, const std::string& what) {
    throw Error(ErrorCode::internal, "a built " + d.kind + " document " + what);
  };
  std::vector<const Kind*> kinds;
  kinds.reserve(documents.size());
  // Documents by sequence, in their order: each sequence's numbers are
  // taken at once, as many as it has documents.
  std::map<std::string, std::vector<size_t>> by_sequence;
  for (size_t i = 0; i < documents.size(); ++i) {
    Document& d = documents[i];
    const Kind& kind = this->kind(d.kind, "kind");
    if (d.id != 0 || d.number.empty() != !numbered || !d.status.empty() || d.supersedes ||
        d.superseded_by || d.basis_id || d.deleted)
      refuse(d, numbered ? "names what only the registry gives (id, status, versions, basis) or "
                           "has no number"
                         : "names what only the registry gives (id, number, status, versions, "
                           "basis)");
    if (!kind.has_items && !d.items.empty()) refuse(d, "has items its kind has not");
    if (kind.number_per_organization && !d.organization) refuse(d, "has no organisation");
    if (d.vat_mode != "included" && d.vat_mode != "on_top") refuse(d, "has no VAT mode");
    if (d.valid_from && d.valid_to && *d.valid_to < *d.valid_from)
      refuse(d, "ends before it begins");
    // Refs as parse_document keeps them: each once, in their order.
    for (size_t k = 0; k < d.refs.size(); ++k) {
      const std::string& ref = d.refs[k];
      if (ref.size() > 200 || !is_valid_ref(ref)) refuse(d, "has a ref that is none: " + ref);
      if (std::find(d.refs.begin(), d.refs.begin() + static_cast<std::ptrdiff_t>(k), ref) !=
          d.refs.begin() + static_cast<std::ptrdiff_t>(k))
        d.refs.erase(d.refs.begin() + static_cast<std::ptrdiff_t>(k--));
    }
    compute_amounts(d);
    d.status = kind.initial;
    d.is_final = true;
    d.requires_countersign = kind.requires_countersign;
    kinds.push_back(&kind);
    if (!numbered) by_sequence[d.sequence_scope(kind)].push_back(i);
  }
  Writer w(*this, ctx);
  for (const auto& [scope, members] : by_sequence) {
    const Document& first = documents[members.front()];
    std::vector<std::string> numbers =
        w.take_numbers(*kinds[members.front()], first, members.size());
    for (size_t k = 0; k < members.size(); ++k)
      documents[members[k]].number = std::move(numbers[k]);
  }
  // Ids known before the rows are written (as either engine gives them), so
  // that every table's rows can be written many to a statement.
  const std::vector<int64_t> ids = conn_.reserve_ids("document", documents.size());
  std::vector<NewDocumentRow> rows;
  rows.reserve(documents.size());
  for (size_t i = 0; i < documents.size(); ++i) {
    Document& d = documents[i];
    d.id = ids[i];
    // Uids drawn in the documents' order, as put_many draws them.
    rows.push_back({&d, d.number_key(*kinds[i]), body_text(d), new_uid_()});
    changed_.insert(d.id);  // the exchange hears of it, as of every created document
  }
  insert_new_documents(conn_, rows, w.now(), ctx);
  w.finish();
}

json::object Registry::set_status(int64_t id, const std::string& status,
                                  std::optional<int64_t> expected_version, const Context& ctx) {
  // Named as registry.set_status names it, before put names it "id".
  const json::object doc = load(id, "document");
  if (doc.at("deleted").as_bool())
    fail_field(ErrorCode::state, "document", "deleted",
               "document " + std::to_string(id) + " is deleted; restore it first");
  json::object patch{{"id", id}, {"status", status}};
  if (expected_version) patch["expected_version"] = *expected_version;
  return put(patch, ctx);
}

json::object Registry::remove(int64_t id, const Context& ctx) {
  return set_deleted(id, true, ctx);
}

json::object Registry::restore(int64_t id, const Context& ctx) {
  return set_deleted(id, false, ctx);
}

json::object Registry::set_deleted(int64_t id, bool deleted, const Context& ctx) {
  const json::object doc = load(id, "document");
  if (doc.at("deleted").as_bool() == deleted)
    fail_field(
        ErrorCode::state, "document", deleted ? "deleted" : "not_deleted",
        "document " + std::to_string(id) + (deleted ? " is already deleted" : " is not deleted"));
  // A version chain keeps one final head: deleting the version that
  // replaced another reinstates that one; restoring it replaces it again.
  std::optional<int64_t> predecessor;
  if (!doc.at("supersedes").is_null()) predecessor = doc.at("supersedes").as_int64();
  if (predecessor) {
    const json::object prev = load(*predecessor, "id");
    const json::value& by = prev.at("superseded_by");
    if (deleted && by == json::value(id)) {
      conn_
          .cached(
              "UPDATE document SET superseded_by = NULL, is_final = 1, version = version + 1, "
              "updated_at = ?2 WHERE id = ?1")
          ->bind(1, *predecessor)
          .bind(2, ctx.now.to_string())
          .run();
      journal(*predecessor, ctx, "reinstated", "superseded_by", std::to_string(id), std::nullopt);
    } else if (!deleted) {
      if (!by.is_null() && by != json::value(id))
        fail_field(ErrorCode::state, "document", "chain_moved_on",
                   "document " + std::to_string(id) + " replaced " + std::to_string(*predecessor) +
                       ", which has since been replaced by " + std::to_string(by.as_int64()));
      if (by.is_null() && !prev.at("deleted").as_bool()) {
        conn_
            .cached(
                "UPDATE document SET superseded_by = ?2, is_final = 0, version = version + 1, "
                "updated_at = ?3 WHERE id = ?1")
            ->bind(1, *predecessor)
            .bind(2, id)
            .bind(3, ctx.now.to_string())
            .run();
        journal(*predecessor, ctx, "superseded", "superseded_by", std::nullopt, std::to_string(id));
      }
    }
  }
  conn_
      .cached(
          "UPDATE document SET deleted = ?2, version = version + 1, updated_at = ?3 WHERE id = ?1")
      ->bind(1, id)
      .bind(2, int64_t{deleted ? 1 : 0})
      .bind(3, ctx.now.to_string())
      .run();
  set_refs_live(conn_, id, !deleted);
  journal(id, ctx, deleted ? "deleted" : "restored", nullptr, std::nullopt, std::nullopt);
  return load(id, "id");
}

json::object Registry::next_number(const std::string& kind_id, const Date& date,
                                   const std::optional<std::string>& organization_tax_id) {
  const Kind& k = kind(kind_id, "kind");
  if (k.number_per_organization && !organization_tax_id)
    fail_field(ErrorCode::invalid, "organization", "required",
               "kind \"" + k.id + "\" is numbered per organisation: give its inn (or bin)");
  Document d;
  d.kind = k.id;
  d.date = date;
  if (organization_tax_id) d.organization = Party{"company", "", "inn", *organization_tax_id, ""};
  Context ctx;
  Writer w(*this, ctx);
  return {{"kind", k.id}, {"number", w.number(k, d, false)}, {"scope", d.sequence_scope(k)}};
}

}  // namespace opora::registry
