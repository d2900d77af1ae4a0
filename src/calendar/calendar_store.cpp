#include "calendar/calendar_store.hpp"

#include <boost/json.hpp>
#include <optional>

#include "core/error.hpp"
#include "core/json_text.hpp"
#include "store/store.hpp"

namespace opora::calendar {
namespace json = boost::json;

const store::SchemaModule& schema() {
  static const store::SchemaModule module{"calendar", {{1, R"sql(
        -- Calendars a host loaded with calendar.load; built-in ones live in the library.
        CREATE TABLE calendar (
          id        TEXT PRIMARY KEY,
          document  TEXT NOT NULL,
          loaded_at TEXT NOT NULL
        ) STRICT;
      )sql"}}};
  return module;
}

namespace {

bool is_builtin(const std::string& id) {
  for (const auto& b : BusinessCalendar::builtin_ids())
    if (b == id) return true;
  return false;
}

}  // namespace

void CalendarStore::refresh_if_changed() {
  const int64_t version = conn_.data_version();
  if (version != seen_data_version_ || conn_.rollbacks() != seen_rollbacks_) {
    cache_.clear();
    seen_data_version_ = version;
    seen_rollbacks_ = conn_.rollbacks();
  }
}

BusinessCalendar CalendarStore::effective(const std::string& id, const json::object* user_doc) {
  if (!is_builtin(id)) return BusinessCalendar::from_json(*user_doc);
  BusinessCalendar calendar = BusinessCalendar::builtin(id);
  if (user_doc != nullptr) calendar.overlay(BusinessCalendar::from_json(*user_doc));
  return calendar;
}

std::shared_ptr<const BusinessCalendar> CalendarStore::get(const std::string& id,
                                                           const std::string& field) {
  refresh_if_changed();
  if (auto it = cache_.find(id); it != cache_.end()) return it->second;
  std::optional<json::object> doc;
  {
    auto st = conn_.cached("SELECT document FROM calendar WHERE id = ?1");
    st->bind(1, id);
    if (st->step()) doc = parse_stored(st->text(0)).as_object();
  }
  if (!doc && !is_builtin(id)) {
    std::string known;
    for (const auto& e : list()) known += (known.empty() ? "" : ", ") + e.id;
    fail_field(ErrorCode::not_found, field, "calendar",
               "no calendar \"" + id + "\" (known: " + known + "); load one with calendar.load");
  }
  auto calendar = std::make_shared<const BusinessCalendar>(effective(id, doc ? &*doc : nullptr));
  cache_[id] = calendar;
  return calendar;
}

BusinessCalendar CalendarStore::load(const json::object& document, const std::string& loaded_at) {
  // Build the effective calendar before writing anything: parsing validates
  // the whole document, and overlaying a built-in one checks it fits.
  std::optional<BusinessCalendar> parsed;
  std::optional<BusinessCalendar> result;
  try {
    parsed = BusinessCalendar::from_json(document);
    const json::object normalized = parsed->to_json().as_object();
    result = effective(parsed->id(), &normalized);
  } catch (const Error& e) {
    // The document arrives as the "calendar" parameter: name fields (and the
    // message listing them) from there.
    if (e.field_errors().empty()) throw;
    FieldErrors fields;
    for (const auto& f : e.field_errors())
      fields.add(f.field.empty() ? "calendar" : "calendar." + f.field, f.rule, f.message);
    fields.add_omitted(e.omitted());
    fields.throw_if_any(e.code());
  }
  auto st = conn_.cached(
      "INSERT INTO calendar (id, document, loaded_at) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (id) DO UPDATE SET document = excluded.document, "
      "loaded_at = excluded.loaded_at");
  st->bind(1, parsed->id()).bind(2, json::serialize(parsed->to_json())).bind(3, loaded_at).run();
  // The write may still roll back: forget the cached calendar and let the
  // next lookup read whatever the database holds then.
  cache_.erase(parsed->id());
  return std::move(*result);
}

std::vector<CalendarStore::Entry> CalendarStore::list() {
  std::map<std::string, bool> ids;  // id -> has user data
  for (const auto& b : BusinessCalendar::builtin_ids()) ids[b] = false;
  {
    auto st = conn_.cached("SELECT id FROM calendar ORDER BY id");
    while (st->step()) ids[st->text(0)] = true;
  }
  std::vector<Entry> out;
  for (const auto& [id, user] : ids) {
    const auto c = get(id, "calendar");
    out.push_back({id, c->name(), c->years(), c->provisional_years(), is_builtin(id), user});
  }
  return out;
}

}  // namespace opora::calendar
