// The workflow expression language: guards ("context.amount > 100000 and
// event.data.approved"), assignments and message templates. Parsed and
// checked once when a definition is loaded, evaluated many times.
//
// It is small on purpose: no loops, no variables, no I/O and no side effects,
// so evaluating a guard can neither hang nor change anything. An expression
// has at most kMaxNodes syntax nodes and kMaxNesting levels of brackets,
// calls and unary operators.
//
// Grammar, loosest binding first:
//   or  ->  and  ->  not  ->  == != < <= > >= in, not in (one per level, no
//   chaining)  ->  + -  ->  * /  ->  unary -  ->  literal, path, call, ( )
// Literals: exact numbers (12, 1500.50; at most 9 fractional digits), strings
// in '...' or "..." with \\ \' \" \n \r \t escapes, true, false, null.
// Paths start at a root (context, event, now, today, key) and go on with
// .name, [index] or ["key"]; a path that leads nowhere is null, never an error.
//
// Values are JSON. Numbers are exact: literals, results of arithmetic and
// JSON numbers from the scope are opora::Decimal while evaluating; a decimal
// string such as "1500.00" counts as a number wherever a number is required
// and when it is compared with a number. Two strings compare as text (byte
// order, so ISO dates "YYYY-MM-DD" order correctly), `+` on two strings
// concatenates. A number computed by the expression is returned as a JSON
// integer when it is whole and fits int64, otherwise as its canonical decimal
// string ("0.3"), so no value ever passes through binary floating point.
//
//   == !=        never an error: values of different types are simply unequal
//   < <= > >=    numbers with numbers, strings with strings; anything else
//                (including null) is an evaluation error
//   in           element of an array, key of an object, substring of a
//                string; anything `in null` is false
//   + - * /      exact; `/` rounds to 9 places half-up; division by zero and
//                results beyond Decimal's range are evaluation errors
//   and or not   short-circuit, give true or false
// Truthiness: false, null, 0 and "" are false; everything else is true.
//
// Functions (arity checked when parsing):
//   len(x)                       code points of a string, size of an array or
//                                object, 0 for null
//   lower(s), upper(s)           ASCII and Russian letters; null stays null
//   contains(s, sub)             substring test; false when s is null
//   date(s)                      "YYYY-MM-DD" validated (a "YYYY-MM-DDT..."
//                                date-time gives its date part as written)
//   add_days(date, n)            calendar days
//   add_working_days(date, n, calendar_id)   working days of a business calendar
//   days_between(a, b)           days from a to b (negative when b is earlier)
//   coalesce(a, b, ...)          the first argument that is not null
//   round(x, places)             half-up to 0..9 places
//
// Thread safety: a parsed Expression or Template is immutable; copies share
// the syntax tree and may be evaluated concurrently.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/business_calendar.hpp"

namespace opora::workflow {

namespace detail {
struct Ast;
}

// What an evaluation may consult besides its scope.
struct EvalEnv {
  // The business calendar with this id, or nullptr if there is none.
  std::function<std::shared_ptr<const BusinessCalendar>(const std::string& id)> calendar;
};

// The roots an evaluation reads, looked up by name when an expression reads
// one. An object whose members are the roots is the usual scope
// (ObjectScope); the interpreter lends its context and event in place rather
// than copying them into an object for every guard and assignment. A root is
// a JSON value or an object (a machine keeps its context as one); neither
// set means the root is absent, read as null.
class Scope {
 public:
  struct Root {
    const boost::json::value* value = nullptr;
    const boost::json::object* object = nullptr;
  };
  virtual ~Scope() = default;
  virtual Root root(std::string_view name) const = 0;
};

// A scope that is an object whose members are the roots.
class ObjectScope final : public Scope {
 public:
  explicit ObjectScope(const boost::json::object& roots) : roots_(roots) {}
  Root root(std::string_view name) const override { return {roots_.if_contains(name), nullptr}; }

 private:
  const boost::json::object& roots_;
};

class Expression {
 public:
  static constexpr size_t kMaxNodes = 1000;
  static constexpr size_t kMaxNesting = 64;

  // Parses `text`. Throws Error(validation) with one FieldError{field,
  // "expression", message}; the message gives the 1-based column (in
  // characters) and what was expected there.
  static Expression parse(std::string_view text, const std::string& field);
  // The same language over other roots: the exchange's scope expressions read
  // "doc" and "node" instead of a workflow's context and event.
  static Expression parse_with_roots(std::string_view text, const std::string& field,
                                     const std::vector<std::string>& roots);

  // The roots the expression reads ("context", "event", "key", "now",
  // "today"), sorted, each once.
  const std::vector<std::string>& roots() const;

  // Evaluates against `scope`, an object whose members are the roots:
  // {"context": {...}, "event": {"name": "...", "data": {...}},
  //  "today": "2026-11-23", "now": "...", "key": "bitrix24:deal:42"}.
  // A root absent from the scope is null. Throws Error(validation) with one
  // FieldError{field, "expression_eval", message} on a type error ("a" < 1),
  // division by zero, arithmetic overflow, a bad date, an unknown calendar or
  // a calendar without data for the year.
  boost::json::value evaluate(const boost::json::object& scope, const EvalEnv& env) const;
  boost::json::value evaluate(const Scope& scope, const EvalEnv& env) const;
  // evaluate() reduced to its truthiness.
  bool evaluate_bool(const boost::json::object& scope, const EvalEnv& env) const;
  bool evaluate_bool(const Scope& scope, const EvalEnv& env) const;

  const std::string& text() const;
  const std::string& field() const;

 private:
  explicit Expression(std::shared_ptr<const detail::Ast> ast) : ast_(std::move(ast)) {}
  friend class Template;

  std::shared_ptr<const detail::Ast> ast_;
};

// Text with {{ expression }} placeholders:
//   "Задача по сделке {{ context.deal_id }} до {{ add_working_days(today, 5, 'ru') }}"
// A single { or } is literal text; a literal "{{" is written {{ '{{' }}.
// Placeholder values render as text: strings as they are, null as nothing,
// numbers in canonical decimal form, true/false, arrays and objects as JSON.
class Template {
 public:
  // Throws Error(validation) with one FieldError{field, "expression", ...};
  // columns count from the start of the whole template.
  static Template parse(std::string_view text, const std::string& field);

  // Errors as Expression::evaluate().
  std::string render(const boost::json::object& scope, const EvalEnv& env) const;
  std::string render(const Scope& scope, const EvalEnv& env) const;
  // The roots all placeholders read, sorted, each once.
  const std::vector<std::string>& roots() const;
  const std::string& text() const { return text_; }
  // Whether it has a {{ }} placeholder at all (otherwise it is constant text).
  bool has_placeholders() const;

 private:
  struct Part {
    std::string literal;
    std::shared_ptr<const detail::Ast> expression;  // null for a literal part
  };
  Template() = default;

  std::string text_;
  std::vector<Part> parts_;
  std::vector<std::string> roots_;
};

}  // namespace opora::workflow
