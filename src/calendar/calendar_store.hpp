// Business calendars of one handle: the built-in ones shipped with the
// library, overlaid by those a host loaded into the database.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/business_calendar.hpp"
#include "store/migrations.hpp"

namespace opora::store {
class Connection;
}

namespace opora::calendar {

// The calendar module's tables.
const store::SchemaModule& schema();

class CalendarStore {
 public:
  explicit CalendarStore(store::Connection& conn) : conn_(conn) {}

  // The calendar with this id; Error(not_found) naming `field` if none.
  // Shared so a caller may hold it across later lookups.
  std::shared_ptr<const BusinessCalendar> get(const std::string& id, const std::string& field);
  // Validates and stores a user calendar document, replacing one loaded
  // earlier with the same id; returns the calendar as it will be effective.
  // The cache learns of it only after the write commits.
  BusinessCalendar load(const boost::json::object& document, const std::string& loaded_at);
  struct Entry {
    std::string id;
    std::string name;
    std::vector<int> years;
    std::vector<int> provisional;
    bool builtin;
    bool user_data;
  };
  std::vector<Entry> list();

 private:
  // Another connection may have loaded a calendar since we cached ours:
  // PRAGMA data_version tells, cheaply.
  void refresh_if_changed();
  BusinessCalendar effective(const std::string& id, const boost::json::object* user_doc);

  store::Connection& conn_;
  std::map<std::string, std::shared_ptr<const BusinessCalendar>> cache_;
  int64_t seen_data_version_ = -1;
  int64_t seen_rollbacks_ = -1;
};

}  // namespace opora::calendar
