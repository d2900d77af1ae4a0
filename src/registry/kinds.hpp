// Document kinds: which statuses a kind has, which status changes it allows,
// whether it carries line items, and how its numbers are made.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <string>
#include <vector>

namespace opora::registry {

struct Kind {
  std::string id;                     // "act"
  std::string title;                  // "Акт выполненных работ"
  std::vector<std::string> statuses;  // in display order
  std::string initial;                // status of a new document
  std::map<std::string, std::vector<std::string>> transitions;  // from -> allowed targets
  bool has_items = false;
  bool requires_countersign = false;  // default for new documents
  std::string number_pattern;         // "АКТ-{yyyy}-{seq:06}"
  bool number_per_organization = false;
  bool number_uses_year = false;  // derived: pattern shows {yyyy}/{yy}
  bool builtin = false;

  bool has_status(const std::string& s) const;
  bool allows(const std::string& from, const std::string& to) const;
  boost::json::object to_json() const;
  // Validates a definition, naming fields under `path` ("kind.statuses[2]").
  static Kind from_json(const boost::json::object& doc, const std::string& path);
};

// The kinds opora ships: invoice, act, contract, upd, order, accrual,
// payment, letter. Statuses follow the seeds (seed 004's act statuses).
const std::vector<Kind>& builtin_kinds();

}  // namespace opora::registry
