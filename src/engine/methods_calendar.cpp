// calendar.*: working-day arithmetic on the built-in production calendars
// ("ru", "kz") and on calendars a host loads.
#include <boost/json.hpp>

#include "core/business_calendar.hpp"
#include "engine/database.hpp"
#include "engine/method_table.hpp"
#include "engine/params.hpp"

namespace opora::engine {
namespace json = boost::json;

namespace {

// The year policy of a call: its fallback and whether provisional years
// (compiled before their decree) may be used, as the schema documents.
YearPolicy fallback(const Params& p) {
  return YearPolicy(p.opt_str("fallback").value_or("none") == "weekends" ? MissingYear::weekends
                                                                         : MissingYear::error,
                    p.boolean("allow_provisional", false));
}

json::array years_json(const std::vector<int>& years) {
  json::array a;
  for (int y : years) a.push_back(y);
  return a;
}

// Shared by the three day-arithmetic methods.
#define OPORA_CALENDAR_PARAM                                                                                                                                                                                          \
  R"~("calendar": {"type": "string", "minLength": 1, "description": "calendar id: ru, kz or one loaded with calendar.load"},)~"                                                                                       \
  R"~("fallback": {"type": "string", "enum": ["none", "weekends"], "description": "for a year the calendar has no data for: none (default) fails with OPORA_ENOTFOUND, weekends assumes the weekly pattern only"},)~" \
  R"~("allow_provisional": {"type": "boolean", "description": "use years compiled before their transfer decree (see calendar.list), default false"})~"

}  // namespace

void register_calendar_methods(MethodTable& t) {
  t.add("calendar.list", "Calendars available to this database with the years they cover.",
        R"~({"type": "object", "properties": {}})~",
        R"~({"type": "object", "properties": {
          "calendars": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "string"}, "name": {"type": "string"},
            "years": {"type": "array", "items": {"type": "integer"}},
            "provisional": {"type": "array", "items": {"type": "integer"}, "description": "years compiled before their transfer decree: used only with allow_provisional"},
            "builtin": {"type": "boolean", "description": "shipped with the library"},
            "user_data": {"type": "boolean", "description": "a document was loaded with calendar.load"}
          }}}
        }})~",
        false, [](Database& db, const Params&) {
          json::array list;
          for (const auto& e : db.calendars().list())
            list.push_back(json::object{{"id", e.id},
                                        {"name", e.name},
                                        {"years", years_json(e.years)},
                                        {"provisional", years_json(e.provisional)},
                                        {"builtin", e.builtin},
                                        {"user_data", e.user_data}});
          return json::object{{"calendars", std::move(list)}};
        });

  t.add("calendar.load",
        "Stores a calendar document (weekly pattern and dated days), replacing one loaded earlier "
        "under the same id; over a built-in id its years lie over the built-in ones.",
        R"~({"type": "object", "required": ["calendar"], "properties": {
          "calendar": {"type": "object", "required": ["id", "years"], "description": "the same JSON as data/calendars: id, name, weekend, hours_per_day, years[{year, source, days[{date, kind, hours, note}]}]",
            "properties": {
              "id": {"type": "string", "minLength": 1},
              "name": {"type": "string"},
              "weekend": {"type": "array", "items": {"type": "string", "enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}},
              "hours_per_day": {"type": "integer", "minimum": 1, "maximum": 24},
              "years": {"type": "array", "items": {"type": "object", "required": ["year", "days"], "properties": {
                "calendar": {"type": "string", "description": "the calendar id, if given: must be this one"},
                "year": {"type": "integer", "minimum": 1900, "maximum": 2999},
                "source": {"type": "string", "description": "the legal basis (a decree)"},
                "provisional": {"type": "boolean", "description": "compiled before its transfer decree"},
                "days": {"type": "array", "items": {"type": "object", "required": ["date", "kind"], "properties": {
                  "date": {"type": "string", "format": "date"},
                  "kind": {"type": "string", "enum": ["holiday", "day_off", "working_day", "shortened"]},
                  "hours": {"type": "integer", "minimum": 1, "maximum": 24, "description": "working_day and shortened days: their working hours"},
                  "note": {"type": "string"}}}}}}}
            }}
        }})~",
        R"~({"type": "object", "properties": {
          "id": {"type": "string"},
          "years": {"type": "array", "items": {"type": "integer"}, "description": "years now covered"}
        }})~",
        true, [](Database& db, const Params& p) {
          const auto& doc = p.at("calendar").as_object();
          const BusinessCalendar c = db.calendars().load(doc, db.clock().now().to_string());
          return json::object{{"id", c.id()}, {"years", years_json(c.years())}};
        });

  t.add("calendar.is_working_day", "Whether a date is a working day, and what kind of day it is.",
        R"~({"type": "object", "required": ["calendar", "date"], "properties": {
          )~" OPORA_CALENDAR_PARAM R"~(,
          "date": {"type": "string", "format": "date"}
        }})~",
        R"~({"type": "object", "properties": {
          "date": {"type": "string", "format": "date"},
          "working": {"type": "boolean"},
          "kind": {"type": "string", "enum": ["working", "weekend", "holiday", "day_off", "working_day", "shortened"]},
          "hours": {"type": "integer", "description": "working hours of the day (0 when not working)"},
          "note": {"type": "string", "description": "why the day differs from the weekly pattern"}
        }})~",
        false, [](Database& db, const Params& p) {
          const auto c = db.calendars().get(p.str("calendar"), "calendar");
          const DayInfo d = c->day(p.date("date"), fallback(p), "date");
          return json::object{{"date", d.date.to_string()},
                              {"working", d.working},
                              {"kind", day_kind_name(d.kind)},
                              {"hours", d.hours},
                              {"note", d.note}};
        });

  t.add("calendar.add_working_days",
        "The date N working days after (N < 0: before) a date; N = 0 returns the date itself.",
        R"~({"type": "object", "required": ["calendar", "date", "days"], "properties": {
          )~" OPORA_CALENDAR_PARAM R"~(,
          "date": {"type": "string", "format": "date", "description": "start; not counted itself"},
          "days": {"type": "integer", "minimum": -100000, "maximum": 100000}
        }})~",
        R"~({"type": "object", "properties": {"date": {"type": "string", "format": "date"}}})~",
        false, [](Database& db, const Params& p) {
          const auto c = db.calendars().get(p.str("calendar"), "calendar");
          try {
            const Date d = c->add_working_days(p.date("date"), p.int64("days"), fallback(p));
            return json::object{{"date", d.to_string()}};
          } catch (const Error& e) {
            if (!e.field_errors().empty()) throw;
            // Walking past 1900..2999 (possible with fallback "weekends").
            fail_field(ErrorCode::invalid, "days", "range",
                       std::string("the result would leave the supported dates: ") + e.what());
          }
        });

  t.add("calendar.working_days_between",
        "Working days and hours from one date to another, both included.",
        R"~({"type": "object", "required": ["calendar", "from", "to"], "properties": {
          )~" OPORA_CALENDAR_PARAM R"~(,
          "from": {"type": "string", "format": "date", "description": "first day, counted"},
          "to": {"type": "string", "format": "date", "description": "last day, counted; not before from"}
        }})~",
        R"~({"type": "object", "properties": {
          "days": {"type": "integer"},
          "hours": {"type": "integer", "description": "sum of working hours (shortened days count less)"}
        }})~",
        false, [](Database& db, const Params& p) {
          const auto c = db.calendars().get(p.str("calendar"), "calendar");
          const Date from = p.date("from");
          const Date to = p.date("to");
          const YearPolicy m = fallback(p);
          return json::object{{"days", c->working_days_between(from, to, m)},
                              {"hours", c->working_hours_between(from, to, m)}};
        });
}

}  // namespace opora::engine
