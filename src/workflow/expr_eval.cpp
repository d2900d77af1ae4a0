// Evaluation of a parsed expression (semantics in expr.hpp). Numbers stay
// exact Decimals from literal to result; a value read from the scope is
// referenced, never copied, until it is returned.
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "core/date.hpp"
#include "core/error.hpp"
#include "core/wide.hpp"
#include "workflow/expr_ast.hpp"

namespace opora::workflow::detail {
namespace {

namespace json = boost::json;
using opora::detail::fits;
using opora::detail::pow10;
using opora::detail::Wide;

const json::value kNull;

// Longest shift add_days() accepts: far beyond any real deadline, and small
// enough that the date arithmetic cannot overflow.
constexpr int64_t kMaxDayShift = 1000000;

// A value while evaluating: a JSON value (borrowed from the scope or the
// syntax tree, or computed) or an exact number.
struct Val {
  enum class Kind { borrowed, owned, number } kind = Kind::borrowed;
  const json::value* ref = &kNull;
  json::value owned;
  Decimal number;

  static Val borrow(const json::value& v) {
    Val r;
    r.ref = &v;
    return r;
  }
  static Val own(json::value v) {
    Val r;
    r.kind = Kind::owned;
    r.owned = std::move(v);
    return r;
  }
  static Val num(Decimal d) {
    Val r;
    r.kind = Kind::number;
    r.number = d;
    return r;
  }
  bool is_number() const { return kind == Kind::number; }
  // Only for kind != number.
  const json::value& j() const { return kind == Kind::borrowed ? *ref : owned; }
  bool is_null() const { return !is_number() && j().is_null(); }
  const json::string* string() const { return is_number() ? nullptr : j().if_string(); }
  // A number by type: a Decimal or a JSON number (not a decimal string).
  bool typed_number() const { return is_number() || j().is_number(); }
};

// The double as the nearest decimal with at most 9 places; nullopt beyond
// Decimal's range. Shortest round-trip digits are not needed: rounding to
// 9 places already turns 0.30000000000000004 into 0.3.
std::optional<Decimal> from_double(double d) {
  char buf[400];
  const auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed, 9);
  if (r.ec != std::errc()) return std::nullopt;
  std::string_view s(buf, static_cast<size_t>(r.ptr - buf));
  while (s.back() == '0') s.remove_suffix(1);
  if (s.back() == '.') s.remove_suffix(1);
  if (s == "-0") s = "0";
  return Decimal::parse(s);
}

std::optional<Decimal> from_json_number(const json::value& v) {
  if (const auto* i = v.if_int64()) {
    if (*i == INT64_MIN) return std::nullopt;
    return Decimal(*i);
  }
  if (const auto* u = v.if_uint64()) {
    if (*u > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return Decimal(static_cast<int64_t>(*u));
  }
  if (const auto* d = v.if_double()) return from_double(*d);
  return std::nullopt;
}

size_t code_points(std::string_view s) {
  size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

// ASCII and the Russian alphabet (including Ё); other letters stay as they are.
std::string change_case(std::string_view s, bool upper) {
  std::string out(s);
  for (size_t i = 0; i < out.size(); ++i) {
    auto b = static_cast<unsigned char>(out[i]);
    if (b < 0x80) {
      if (upper && b >= 'a' && b <= 'z') out[i] = static_cast<char>(b - 32);
      if (!upper && b >= 'A' && b <= 'Z') out[i] = static_cast<char>(b + 32);
      continue;
    }
    if (i + 1 >= out.size() || (b != 0xD0 && b != 0xD1)) continue;
    const auto c = static_cast<unsigned char>(out[i + 1]);
    unsigned char lead = b;
    unsigned char tail = c;
    if (!upper && b == 0xD0 && c >= 0x90 && c <= 0x9F) tail = static_cast<unsigned char>(c + 0x20);
    if (!upper && b == 0xD0 && c >= 0xA0 && c <= 0xAF) {
      lead = 0xD1;
      tail = static_cast<unsigned char>(c - 0x20);
    }
    if (!upper && b == 0xD0 && c == 0x81) lead = 0xD1, tail = 0x91;
    if (upper && b == 0xD0 && c >= 0xB0 && c <= 0xBF) tail = static_cast<unsigned char>(c - 0x20);
    if (upper && b == 0xD1 && c >= 0x80 && c <= 0x8F) {
      lead = 0xD0;
      tail = static_cast<unsigned char>(c + 0x20);
    }
    if (upper && b == 0xD1 && c == 0x91) lead = 0xD0, tail = 0x81;
    out[i] = static_cast<char>(lead);
    out[i + 1] = static_cast<char>(tail);
    ++i;
  }
  return out;
}

std::string clip(std::string_view s) {
  if (s.size() <= 40) return std::string(s);
  size_t n = 40;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n)) + "...";
}

std::string describe(const Val& v) {
  if (v.is_number()) return "number " + v.number.to_string();
  const json::value& j = v.j();
  switch (j.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return j.get_bool() ? "true" : "false";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "number " + json::serialize(j);
    case json::kind::string:
      return "string \"" + clip(j.get_string()) + "\"";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

bool truthy(const Val& v) {
  if (v.is_number()) return !v.number.is_zero();
  const json::value& j = v.j();
  switch (j.kind()) {
    case json::kind::null:
      return false;
    case json::kind::bool_:
      return j.get_bool();
    case json::kind::int64:
      return j.get_int64() != 0;
    case json::kind::uint64:
      return j.get_uint64() != 0;
    case json::kind::double_:
      return j.get_double() != 0.0;
    case json::kind::string:
      return !j.get_string().empty();
    default:
      return true;
  }
}

json::value to_json(Val&& v) {
  if (v.is_number()) {
    const Decimal n = v.number.normalized();
    if (n.scale() == 0) return json::value(n.coefficient());
    return json::value(n.to_string());
  }
  if (v.kind == Val::Kind::owned) return std::move(v.owned);
  return *v.ref;
}

std::string to_text(const Val& v) {
  if (v.is_number()) return v.number.to_string();
  const json::value& j = v.j();
  if (j.is_null()) return {};
  if (const auto* s = j.if_string()) return std::string(*s);
  if (const auto* b = j.if_bool()) return *b ? "true" : "false";
  if (j.is_number())
    if (const auto d = from_json_number(j)) return d->to_string();
  return json::serialize(j);
}

// a / b to 9 places, half-up; b is not zero.
std::optional<Decimal> divide(const Decimal& a, const Decimal& b) {
  const Wide num =
      static_cast<Wide>(a.coefficient()) * pow10(Decimal::kMaxScale) * pow10(b.scale());
  const Wide den = static_cast<Wide>(b.coefficient()) * pow10(a.scale());
  Wide q = num / den;
  const Wide r = num % den;
  const bool negative = (num < 0) != (den < 0);
  if (2 * (r < 0 ? -r : r) >= (den < 0 ? -den : den)) q += negative ? -1 : 1;
  int scale = Decimal::kMaxScale;
  while (scale > 0 && q % 10 == 0) {
    q /= 10;
    --scale;
  }
  if (!fits(q)) return std::nullopt;
  return Decimal(static_cast<int64_t>(q), scale);
}

Decimal round_half_up(const Decimal& x, int places) {
  if (x.scale() <= places) return x;
  const int64_t divisor = pow10(x.scale() - places);
  int64_t q = x.coefficient() / divisor;
  const int64_t r = x.coefficient() % divisor;
  if (2 * (r < 0 ? -r : r) >= divisor) q += x.coefficient() < 0 ? -1 : 1;
  return Decimal(q, places);
}

class Evaluator {
 public:
  Evaluator(const Ast& ast, const Scope& scope, const EvalEnv& env)
      : ast_(ast), scope_(scope), env_(env) {}

  Val eval(size_t index) {
    const Node& n = ast_.nodes[index];
    switch (n.op) {
      case Op::value:
        return Val::borrow(n.value);
      case Op::number:
        return Val::num(n.number);
      case Op::path:
        return path(n);
      case Op::negate:
        return Val::num(-number(n, eval(n.args[0]), "negate"));
      case Op::logical_not:
        return bool_val(!truthy(eval(n.args[0])));
      case Op::logical_and:
        return bool_val(truthy(eval(n.args[0])) && truthy(eval(n.args[1])));
      case Op::logical_or:
        return bool_val(truthy(eval(n.args[0])) || truthy(eval(n.args[1])));
      case Op::eq:
        return bool_val(equal(eval(n.args[0]), eval(n.args[1])));
      case Op::ne:
        return bool_val(!equal(eval(n.args[0]), eval(n.args[1])));
      case Op::lt:
        return bool_val(order(n, "<") < 0);
      case Op::le:
        return bool_val(order(n, "<=") <= 0);
      case Op::gt:
        return bool_val(order(n, ">") > 0);
      case Op::ge:
        return bool_val(order(n, ">=") >= 0);
      case Op::in:
        return bool_val(member(n, eval(n.args[0]), eval(n.args[1])));
      case Op::not_in:
        return bool_val(!member(n, eval(n.args[0]), eval(n.args[1])));
      case Op::add:
      case Op::sub:
      case Op::mul:
      case Op::div:
        return arithmetic(n);
      case Op::call:
        return call(n);
    }
    fail(n, "unknown operation");
  }

 private:
  [[noreturn]] void fail(const Node& n, const std::string& message) const {
    fail_field(ErrorCode::validation, ast_.field, "expression_eval",
               "column " + std::to_string(n.column) + ": " + message);
  }

  static Val bool_val(bool b) { return Val::own(json::value(b)); }

  // The value as a number if it is one or a decimal string; nullopt otherwise.
  std::optional<Decimal> numeric(const Node& n, const Val& v) const {
    if (v.is_number()) return v.number;
    const json::value& j = v.j();
    if (j.is_number()) {
      const auto d = from_json_number(j);
      if (!d) fail(n, describe(v) + " is beyond the range of exact numbers");
      return d;
    }
    if (const auto* s = j.if_string()) return Decimal::parse(*s);
    return std::nullopt;
  }

  static std::optional<Decimal> quiet_numeric(const Val& v) {
    if (v.is_number()) return v.number;
    if (v.j().is_number()) return from_json_number(v.j());
    if (const auto* s = v.string()) return Decimal::parse(*s);
    return std::nullopt;
  }

  Decimal number(const Node& n, const Val& v, const char* what) const {
    if (const auto d = numeric(n, v)) return *d;
    fail(n, std::string("cannot ") + what + " " + describe(v) + ": a number is required");
  }

  Val path(const Node& n) const {
    const Scope::Root root = scope_.root(n.root);
    const json::value* v = root.value;
    auto steps = n.steps.begin();
    if (root.object != nullptr) {  // a root kept as an object: its first step is a member
      if (steps == n.steps.end()) return Val::own(json::value(*root.object));
      v = steps->by_index ? nullptr : root.object->if_contains(steps->key);
      ++steps;
    }
    for (; steps != n.steps.end(); ++steps) {
      const auto& step = *steps;
      if (v == nullptr) break;
      if (step.by_index) {
        const auto* a = v->if_array();
        v = a != nullptr && step.index < a->size() ? &(*a)[step.index] : nullptr;
      } else {
        const auto* o = v->if_object();
        v = o != nullptr ? o->if_contains(step.key) : nullptr;
      }
    }
    return Val::borrow(v != nullptr ? *v : kNull);
  }

  // Never an error: a number too large to be exact equals only the same JSON value.
  static bool equal(const Val& a, const Val& b) {
    if (a.typed_number() || b.typed_number()) {
      const auto da = quiet_numeric(a);
      const auto db = quiet_numeric(b);
      if (da && db) return *da == *db;
      return !a.is_number() && !b.is_number() && a.j() == b.j();
    }
    return a.j() == b.j();
  }

  int order(const Node& n, const char* op) {
    const Val a = eval(n.args[0]);
    const Val b = eval(n.args[1]);
    const auto* sa = a.string();
    const auto* sb = b.string();
    if (sa != nullptr && sb != nullptr) return std::string_view(*sa).compare(*sb);
    if (a.typed_number() || b.typed_number()) {
      const auto da = numeric(n, a);
      const auto db = numeric(n, b);
      if (da && db) return Decimal::compare(*da, *db);
    }
    fail(n, "cannot compare " + describe(a) + " with " + describe(b) + " using '" + op + "'");
  }

  bool member(const Node& n, const Val& item, const Val& in) const {
    if (in.is_null()) return false;
    if (!in.is_number()) {
      const json::value& j = in.j();
      if (const auto* a = j.if_array()) {
        for (const auto& e : *a)
          if (equal(item, Val::borrow(e))) return true;
        return false;
      }
      if (const auto* o = j.if_object()) {
        if (const auto* key = item.string()) return o->contains(*key);
        fail(n, "object keys are strings; " + describe(item) + " cannot be one");
      }
      if (const auto* s = j.if_string()) {
        if (const auto* sub = item.string())
          return std::string_view(*s).find(*sub) != std::string_view::npos;
        fail(n, "only a string can be in a string, not " + describe(item));
      }
    }
    fail(n, "'in' needs an array, an object or a string on its right, not " + describe(in));
  }

  Val arithmetic(const Node& n) {
    const Val a = eval(n.args[0]);
    const Val b = eval(n.args[1]);
    const auto* sa = a.string();
    const auto* sb = b.string();
    if (n.op == Op::add && sa != nullptr && sb != nullptr) {
      json::string joined(*sa);
      joined.append(*sb);
      return Val::own(json::value(std::move(joined)));
    }
    static const char* const kVerbs[] = {"add", "subtract", "multiply", "divide"};
    const char* verb = kVerbs[static_cast<int>(n.op) - static_cast<int>(Op::add)];
    const auto da = numeric(n, a);
    const auto db = numeric(n, b);
    if (!da || !db)
      fail(n, std::string("cannot ") + verb + " " + describe(a) + " and " + describe(b) +
                  ": numbers are required" + (n.op == Op::add ? " (or two strings to join)" : ""));
    try {
      switch (n.op) {
        case Op::add:
          return Val::num(*da + *db);
        case Op::sub:
          return Val::num(*da - *db);
        case Op::mul:
          return Val::num(*da * *db);
        default:
          break;
      }
    } catch (const Error&) {
      fail(n, std::string("the result is out of range (more than 18 digits or 9 decimal "
                          "places) when trying to ") +
                  verb + " " + da->to_string() + " and " + db->to_string());
    }
    if (db->is_zero()) fail(n, "division by zero (" + da->to_string() + " / 0)");
    if (const auto q = divide(*da, *db)) return Val::num(*q);
    fail(n, "the result of " + da->to_string() + " / " + db->to_string() + " is out of range");
  }

  int64_t whole(const Node& n, const Val& v, const std::string& what) const {
    const auto d = numeric(n, v);
    if (!d || d->normalized().scale() != 0)
      fail(n, what + " must be a whole number, not " + describe(v));
    return d->normalized().coefficient();
  }

  Date date_arg(const Node& n, const Val& v) const {
    if (const auto* s = v.string()) {
      const std::string_view text(*s);
      if (text.size() == 10 || (text.size() > 10 && (text[10] == 'T' || text[10] == ' ')))
        if (const auto d = Date::parse(text.substr(0, 10))) return *d;
    }
    fail(n, n.function_name + "() expects a date \"YYYY-MM-DD\", not " + describe(v));
  }

  Date shifted(const Node& n, const Date& d, int64_t days) const {
    if (days < -kMaxDayShift || days > kMaxDayShift)
      fail(n, "add_days() shifts by at most " + std::to_string(kMaxDayShift) + " days");
    try {
      return d.add_days(days);
    } catch (const Error&) {
      fail(n, "add_days() leaves the supported years " + std::to_string(Date::min_year) + ".." +
                  std::to_string(Date::max_year));
    }
  }

  Date working_days(const Node& n, const Date& d, int64_t days, const std::string& id) const {
    std::shared_ptr<const BusinessCalendar> calendar;
    try {
      if (env_.calendar) calendar = env_.calendar(id);
    } catch (const Error&) {
      calendar = nullptr;
    }
    if (!calendar) fail(n, "unknown calendar '" + id + "'");
    try {
      // As the working-day timers do: a year whose decree is not out yet uses
      // its provisional calendar rather than stopping the process.
      return calendar->add_working_days(d, days, YearPolicy(MissingYear::error, true));
    } catch (const Error& e) {
      fail(n, "add_working_days(" + d.to_string() + ", " + std::to_string(days) + ", '" + id +
                  "'): " +
                  (e.field_errors().empty() ? std::string(e.what()) : e.field_errors()[0].message));
    }
  }

  Val call(const Node& n) {
    const auto arg = [&](size_t i) { return eval(n.args[i]); };
    switch (n.function) {
      case Function::len: {
        const Val v = arg(0);
        if (v.is_null()) return Val::num(Decimal(0));
        if (!v.is_number()) {
          const json::value& j = v.j();
          if (const auto* s = j.if_string())
            return Val::num(Decimal(static_cast<int64_t>(code_points(*s))));
          if (const auto* a = j.if_array())
            return Val::num(Decimal(static_cast<int64_t>(a->size())));
          if (const auto* o = j.if_object())
            return Val::num(Decimal(static_cast<int64_t>(o->size())));
        }
        fail(n, "len() needs a string, an array or an object, not " + describe(v));
      }
      case Function::lower:
      case Function::upper: {
        const Val v = arg(0);
        if (v.is_null()) return v;
        if (const auto* s = v.string())
          return Val::own(json::value(change_case(*s, n.function == Function::upper)));
        fail(n, n.function_name + "() needs a string, not " + describe(v));
      }
      case Function::contains: {
        const Val s = arg(0);
        const Val sub = arg(1);
        if (s.is_null()) return bool_val(false);
        if (s.string() == nullptr || sub.string() == nullptr)
          fail(n, "contains() needs two strings, not " + describe(s) + " and " + describe(sub));
        return bool_val(std::string_view(*s.string()).find(*sub.string()) !=
                        std::string_view::npos);
      }
      case Function::date:
        return Val::own(json::value(date_arg(n, arg(0)).to_string()));
      case Function::add_days: {
        const Date d = date_arg(n, arg(0));
        return Val::own(
            json::value(shifted(n, d, whole(n, arg(1), "the number of days")).to_string()));
      }
      case Function::add_working_days: {
        const Date d = date_arg(n, arg(0));
        const int64_t days = whole(n, arg(1), "the number of working days");
        const Val id = arg(2);
        if (id.string() == nullptr)
          fail(n, "add_working_days() needs a calendar id such as 'ru', not " + describe(id));
        return Val::own(
            json::value(working_days(n, d, days, std::string(*id.string())).to_string()));
      }
      case Function::days_between: {
        const Date a = date_arg(n, arg(0));
        const Date b = date_arg(n, arg(1));
        return Val::num(Decimal(a.days_until(b)));
      }
      case Function::coalesce:
        for (size_t i = 0; i < n.args.size(); ++i) {
          Val v = arg(i);
          if (!v.is_null()) return v;
        }
        return Val::borrow(kNull);
      case Function::round: {
        const Decimal x = number(n, arg(0), "round");
        const int64_t places = whole(n, arg(1), "the number of places");
        if (places < 0 || places > Decimal::kMaxScale)
          fail(n, "round() takes 0.." + std::to_string(Decimal::kMaxScale) + " places, not " +
                      std::to_string(places));
        return Val::num(round_half_up(x, static_cast<int>(places)));
      }
    }
    fail(n, "unknown function");
  }

  const Ast& ast_;
  const Scope& scope_;
  const EvalEnv& env_;
};

}  // namespace

json::value evaluate_value(const Ast& ast, const Scope& scope, const EvalEnv& env) {
  return to_json(Evaluator(ast, scope, env).eval(ast.top));
}

bool evaluate_truth(const Ast& ast, const Scope& scope, const EvalEnv& env) {
  return truthy(Evaluator(ast, scope, env).eval(ast.top));
}

std::string evaluate_text(const Ast& ast, const Scope& scope, const EvalEnv& env) {
  return to_text(Evaluator(ast, scope, env).eval(ast.top));
}

}  // namespace opora::workflow::detail
