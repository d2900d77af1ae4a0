#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>

#include "core/business_calendar.hpp"
#include "core/error.hpp"
#include "test_support.hpp"
#include "workflow/expr.hpp"

namespace json = boost::json;

using opora::BusinessCalendar;
using opora::Error;
using opora::ErrorCode;
using opora::FieldError;
using opora::test::error_of;
using opora::workflow::EvalEnv;
using opora::workflow::Expression;
using opora::workflow::Template;

namespace {

const json::object& scope() {
  static const json::object s = json::parse(R"({
    "context": {
      "deal_id": 42,
      "amount": "1500.00",
      "price": 19.99,
      "count": 3,
      "title": "Поставка",
      "tags": ["vip", "b2b"],
      "nums": [1, 2.5, "3"],
      "items": [{"name": "first"}, {"name": "second"}],
      "flag": false,
      "empty": "",
      "huge": 1e300,
      "odd key": "spaced"
    },
    "event": {"name": "approve", "data": {"by": "ivanov", "ok": true}},
    "today": "2025-12-26",
    "now": "2025-12-26T10:15:00Z",
    "key": "bitrix24:deal:42"
  })")
                                    .as_object();
  return s;
}

EvalEnv env() {
  EvalEnv e;
  e.calendar = [](const std::string& id) -> std::shared_ptr<const BusinessCalendar> {
    static const auto ru =
        std::make_shared<const BusinessCalendar>(BusinessCalendar::builtin("ru"));
    return id == "ru" ? ru : nullptr;
  };
  return e;
}

json::value eval(const std::string& text) {
  return Expression::parse(text, "guard").evaluate(scope(), env());
}

bool truth(const std::string& text) {
  return Expression::parse(text, "guard").evaluate_bool(scope(), env());
}

// The single field error an expression raises when evaluated.
FieldError eval_error(const std::string& text, const EvalEnv& e = env()) {
  const Expression expr = Expression::parse(text, "states.review.on.approve[0].guard");
  const Error err = error_of([&] { expr.evaluate(scope(), e); });
  REQUIRE(err.code() == ErrorCode::validation);
  REQUIRE(err.field_errors().size() == 1);
  const FieldError f = err.field_errors()[0];
  CHECK(f.field == "states.review.on.approve[0].guard");
  CHECK(f.rule == "expression_eval");
  return f;
}

// The single field error an expression raises when parsed.
FieldError parse_error(const std::string& text) {
  const Error err = error_of([&] { Expression::parse(text, "states.a.on.go[0].guard"); });
  REQUIRE(err.code() == ErrorCode::validation);
  REQUIRE(err.field_errors().size() == 1);
  const FieldError f = err.field_errors()[0];
  CHECK(f.field == "states.a.on.go[0].guard");
  CHECK(f.rule == "expression");
  return f;
}

bool mentions(const FieldError& f, const std::string& part) {
  return f.message.find(part) != std::string::npos;
}

std::string render(const std::string& text) {
  return Template::parse(text, "emit.text").render(scope(), env());
}

}  // namespace

TEST_CASE("arithmetic binds tighter than comparison, which binds tighter than not, and, or") {
  CHECK(eval("1 + 2 * 3") == 7);
  CHECK(eval("10 - 4 - 3") == 3);
  CHECK(eval("12 / 2 / 3") == 2);
  CHECK(eval("1 + 2 == 3") == true);
  CHECK(eval("not 1 == 2") == true);
  CHECK(eval("true or false and false") == true);
  CHECK(eval("not false and false") == false);
  CHECK(eval("1 < 2 and 3 > 4 or 5 >= 5") == true);
}

TEST_CASE("parentheses override precedence") {
  CHECK(eval("(1 + 2) * 3") == 9);
  CHECK(eval("(true or false) and false") == false);
  CHECK(eval("not (1 == 1 and false)") == true);
}

TEST_CASE("unary minus applies before multiplication and can repeat") {
  CHECK(eval("-2 * 3") == -6);
  CHECK(eval("2 - -3") == 5);
  CHECK(eval("--4") == 4);
  CHECK(eval("-context.count") == -3);
  CHECK(eval_error("-'abc'").message.find("negate") != std::string::npos);
}

TEST_CASE("literals evaluate to JSON values") {
  CHECK(eval("'single'") == "single");
  CHECK(eval("\"double\"") == "double");
  CHECK(eval("true") == true);
  CHECK(eval("false") == false);
  CHECK(eval("null").is_null());
  CHECK(eval("12") == 12);
  CHECK(eval("1.50") == "1.5");
}

TEST_CASE("string escapes are decoded") {
  CHECK(eval(R"('it\'s')") == "it's");
  CHECK(eval(R"("say \"hi\"")") == "say \"hi\"");
  CHECK(eval(R"('a\\b\nc\td')") == "a\\b\nc\td");
  CHECK(mentions(parse_error(R"('bad \q')"), "column 6"));
}

TEST_CASE("paths read context, event and the other roots") {
  CHECK(eval("context.deal_id") == 42);
  CHECK(eval("context.items[1].name") == "second");
  CHECK(eval("context['odd key']") == "spaced");
  CHECK(eval("event.name") == "approve");
  CHECK(eval("event.data.by") == "ivanov");
  CHECK(eval("today") == "2025-12-26");
  CHECK(eval("key") == "bitrix24:deal:42");
  CHECK(eval("context.tags") == json::array{"vip", "b2b"});
}

TEST_CASE("a missing path is null, never an error") {
  CHECK(eval("context.nope").is_null());
  CHECK(eval("context.nope.deeper[3].x").is_null());
  CHECK(eval("context.items[9].name").is_null());
  CHECK(eval("context.deal_id.x").is_null());
  CHECK(eval("context.tags.first").is_null());
  CHECK(eval("context.title[0]").is_null());
  CHECK(eval("event.data.missing == null") == true);
  const json::object no_roots;
  CHECK(Expression::parse("context.a", "f").evaluate(no_roots, env()).is_null());
  CHECK_FALSE(truth("context.nope"));
}

TEST_CASE("decimal arithmetic is exact") {
  CHECK(eval("0.1 + 0.2 == 0.3") == true);
  CHECK(eval("0.1 + 0.2") == "0.3");
  CHECK(eval("1.10 * 3") == "3.3");
  CHECK(eval("context.amount * 2") == 3000);
  CHECK(eval("context.price * 3") == "59.97");
  CHECK(eval("context.amount - 0.01") == "1499.99");
  CHECK(eval("100 - 99.999999999") == "0.000000001");
}

TEST_CASE("arithmetic results are JSON integers when whole and decimal strings otherwise") {
  CHECK(eval("2 * 1.5").is_int64());
  CHECK(eval("2 * 1.5") == 3);
  CHECK(eval("1 / 4") == "0.25");
  CHECK(eval("context.amount + 0").is_int64());
}

TEST_CASE("division rounds to 9 places half-up") {
  CHECK(eval("1 / 3") == "0.333333333");
  CHECK(eval("2 / 3") == "0.666666667");
  CHECK(eval("-2 / 3") == "-0.666666667");
  CHECK(eval("2 / -3") == "-0.666666667");
  CHECK(eval("10 / 4") == "2.5");
  CHECK(eval("6 / 3") == 2);
  CHECK(eval("1 / 0.001") == 1000);
  CHECK(eval("0.000000001 / 2") == "0.000000001");  // 0.0000000005 rounds up
}

TEST_CASE("division by zero is an evaluation error naming the field") {
  const FieldError f = eval_error("context.count / (context.count - 3)");
  CHECK(mentions(f, "division by zero"));
  CHECK(mentions(f, "column 15"));
  eval_error("1 / 0.00");
}

TEST_CASE("arithmetic beyond the exact range is an evaluation error") {
  CHECK(mentions(eval_error("999999999999999999 * 10"), "out of range"));
  CHECK(mentions(eval_error("0.000000001 * 0.1"), "out of range"));
  CHECK(mentions(eval_error("context.huge + 1"), "beyond the range"));
}

TEST_CASE("decimal strings and JSON numbers compare with numbers by value") {
  CHECK(eval("context.amount == 1500") == true);
  CHECK(eval("context.amount > 1000") == true);
  CHECK(eval("context.amount <= 1500.000") == true);
  CHECK(eval("context.price == 19.99") == true);
  CHECK(eval("context.count == 3.0") == true);
  CHECK(eval("context.count != 3") == false);
  CHECK(eval("context.huge == context.huge") == true);
  CHECK(eval("context.huge == null") == false);
}

TEST_CASE("two strings compare as text, so ISO dates order correctly") {
  CHECK(eval("'2026-01-10' < '2026-02-01'") == true);
  CHECK(eval("today >= '2025-12-26'") == true);
  CHECK(eval("today > '2025-12-26'") == false);
  CHECK(eval("'10' < '9'") == true);
  CHECK(eval("'1.0' == '1'") == false);
  CHECK(eval("'abc' <= 'abd'") == true);
}

TEST_CASE("ordering a string against a number is an evaluation error naming the field") {
  const FieldError f = eval_error("context.title < 1");
  CHECK(mentions(f, "column 15"));
  CHECK(mentions(f, "string \"Поставка\""));
  CHECK(mentions(f, "'<'"));
  eval_error("'a' >= 1");
  eval_error("true < false");
}

TEST_CASE("ordering null is an evaluation error") {
  CHECK(mentions(eval_error("context.nope > 5"), "null"));
  eval_error("null < null");
}

TEST_CASE("equality across types is simply false, not an error") {
  CHECK(eval("'a' == 1") == false);
  CHECK(eval("'a' != 1") == true);
  CHECK(eval("null == 0") == false);
  CHECK(eval("null == null") == true);
  CHECK(eval("true == 1") == false);
  CHECK(eval("context.tags == context.tags") == true);
  CHECK(eval("context.tags == context.items") == false);
}

TEST_CASE("plus joins two strings and adds numbers") {
  CHECK(eval("'Сделка ' + key") == "Сделка bitrix24:deal:42");
  CHECK(eval("'1.5' + '2'") == "1.52");
  CHECK(eval("context.amount + 1") == 1501);
  CHECK(mentions(eval_error("'x' + 1"), "cannot add"));
  eval_error("null + 1");
  eval_error("true * 2");
}

TEST_CASE("in tests array elements, object keys and substrings") {
  CHECK(eval("'vip' in context.tags") == true);
  CHECK(eval("'gold' in context.tags") == false);
  CHECK(eval("'gold' not in context.tags") == true);
  CHECK(eval("2.50 in context.nums") == true);
  CHECK(eval("3 in context.nums") == true);
  CHECK(eval("'deal_id' in context") == true);
  CHECK(eval("'ставк' in context.title") == true);
  CHECK(eval("'vip' in context.nope") == false);
  CHECK(mentions(eval_error("1 in 'abc'"), "only a string"));
  eval_error("1 in context");
  eval_error("1 in 5");
}

TEST_CASE("and and or short-circuit and give booleans") {
  CHECK(eval("context.nope != null and context.nope > 5") == false);
  CHECK(eval("context.count == 3 or 1 / 0 == 1") == true);
  CHECK(eval("context.count and 'x'") == true);
  CHECK(eval("context.empty or 0") == false);
}

TEST_CASE("false, null, zero, the empty string and missing values are falsy") {
  CHECK_FALSE(truth("false"));
  CHECK_FALSE(truth("null"));
  CHECK_FALSE(truth("0"));
  CHECK_FALSE(truth("0.00"));
  CHECK_FALSE(truth("1 - 1"));
  CHECK_FALSE(truth("''"));
  CHECK_FALSE(truth("context.empty"));
  CHECK_FALSE(truth("context.flag"));
  CHECK_FALSE(truth("context.missing"));
  CHECK(truth("'0'"));
  CHECK(truth("0.5"));
  CHECK(truth("context.tags"));
  CHECK(truth("event.data.ok"));
}

TEST_CASE("len counts characters, elements and members") {
  CHECK(eval("len('привет')") == 6);
  CHECK(eval("len(context.tags)") == 2);
  CHECK(eval("len(event.data)") == 2);
  CHECK(eval("len(context.nope)") == 0);
  CHECK(mentions(eval_error("len(5)"), "len()"));
}

TEST_CASE("lower and upper change Latin and Russian letters") {
  CHECK(eval("upper('Привет, ёж! abc')") == "ПРИВЕТ, ЁЖ! ABC");
  CHECK(eval("lower('ЁЛКА Я Abc')") == "ёлка я abc");
  CHECK(eval("lower(context.nope)").is_null());
  eval_error("upper(1)");
}

TEST_CASE("contains finds substrings") {
  CHECK(eval("contains(context.title, 'став')") == true);
  CHECK(eval("contains('abc', 'x')") == false);
  CHECK(eval("contains(context.nope, 'x')") == false);
  eval_error("contains(1, 'x')");
}

TEST_CASE("date validates ISO dates and takes the date part of a date-time") {
  CHECK(eval("date('2026-02-28')") == "2026-02-28");
  CHECK(eval("date(now)") == "2025-12-26");
  CHECK(mentions(eval_error("date('2026-02-30')"), "YYYY-MM-DD"));
  eval_error("date('26.02.2026')");
  eval_error("date(null)");
}

TEST_CASE("add_days and days_between count calendar days") {
  CHECK(eval("add_days('2026-02-27', 2)") == "2026-03-01");
  CHECK(eval("add_days(today, -26)") == "2025-11-30");
  CHECK(eval("add_days(today, '7')") == "2026-01-02");
  CHECK(eval("days_between('2026-01-01', '2026-03-01')") == 59);
  CHECK(eval("days_between('2026-03-01', '2026-01-01')") == -59);
  CHECK(eval("days_between(today, add_days(today, 10)) == 10") == true);
  CHECK(mentions(eval_error("add_days(today, 1.5)"), "whole number"));
  eval_error("add_days('2999-12-31', 1)");
  eval_error("add_days(today, 5000000)");
}

TEST_CASE("add_working_days walks the Russian production calendar") {
  // 2025-12-31 and 2026-01-01..11 are days off (Government decree of
  // 2025 on the transfer of days off): 29, 30 December, then 12, 13, 14 January.
  CHECK(eval("add_working_days('2025-12-26', 5, 'ru')") == "2026-01-14");
  CHECK(eval("add_working_days(today, 2, 'ru')") == "2025-12-30");
  CHECK(eval("add_working_days('2026-01-14', -5, 'ru')") == "2025-12-26");
  const auto ru = BusinessCalendar::builtin("ru");
  const auto expected = ru.add_working_days(opora::Date(2026, 3, 6), 10).to_string();
  CHECK(eval("add_working_days('2026-03-06', 10, 'ru')") == json::value(expected));
  // Into a year whose transfer decree is not out yet: its provisional calendar,
  // as the working-day timers use (the New Year holidays of 2027 are skipped).
  CHECK(eval("add_working_days('2026-12-30', 3, 'ru')") ==
        json::value(
            ru.add_working_days(opora::Date(2026, 12, 30), 3, {opora::MissingYear::error, true})
                .to_string()));
  CHECK(eval("add_working_days('2026-12-30', 3, 'ru')") != "2027-01-04");
}

TEST_CASE("add_working_days reports an unknown calendar and a year without data") {
  CHECK(mentions(eval_error("add_working_days(today, 1, 'xx')"), "unknown calendar 'xx'"));
  CHECK(mentions(eval_error("add_working_days(today, 1, 'ru')", EvalEnv{}), "unknown calendar"));
  CHECK(mentions(eval_error("add_working_days('2030-06-01', 1, 'ru')"), "2030"));
  eval_error("add_working_days(today, 1, 7)");
}

TEST_CASE("coalesce returns the first argument that is not null, lazily") {
  CHECK(eval("coalesce(context.nope, context.deal_id, 5)") == 42);
  CHECK(eval("coalesce(context.nope, event.data.missing)").is_null());
  CHECK(eval("coalesce(context.flag, true)") == false);
  CHECK(eval("coalesce(1, 1 / 0)") == 1);
}

TEST_CASE("round rounds half-up to the given number of places") {
  CHECK(eval("round(2.345, 2)") == "2.35");
  CHECK(eval("round(-2.345, 2)") == "-2.35");
  CHECK(eval("round(2.5, 0)") == 3);
  CHECK(eval("round(2.4999, 0)") == 2);
  CHECK(eval("round(1.2, 5)") == "1.2");
  CHECK(eval("round(context.amount / 7, 2)") == "214.29");
  CHECK(mentions(eval_error("round(1, 10)"), "0..9"));
  eval_error("round(1, 0.5)");
}

TEST_CASE("unknown functions and wrong arity are parse errors") {
  CHECK(mentions(parse_error("foo(1)"), "unknown function 'foo'"));
  CHECK(mentions(parse_error("len(1, 2)"), "len() takes 1 argument, got 2"));
  CHECK(mentions(parse_error("coalesce(1)"), "at least 2"));
  CHECK(mentions(parse_error("1 + add_working_days(today, 1)"), "column 5"));
  CHECK(mentions(parse_error("today()"), "not a function"));
  CHECK(mentions(parse_error("len"), "'('"));
}

TEST_CASE("parse errors give the field, the column and what was expected") {
  CHECK(mentions(parse_error("context.a == "), "column 14: expected a value"));
  CHECK(mentions(parse_error("1 +* 2"), "column 4"));
  CHECK(mentions(parse_error("'abc"), "column 1: unterminated string"));
  CHECK(mentions(parse_error("context.a = 1"), "column 11: expected '=='"));
  CHECK(mentions(parse_error("1 < 2 < 3"), "cannot be chained"));
  CHECK(mentions(parse_error("(1 + 2"), "expected ')'"));
  CHECK(mentions(parse_error("foo == 1"), "unknown name 'foo'"));
  CHECK(mentions(parse_error("'привет' +"), "column 11"));
  CHECK(mentions(parse_error("1 2"), "column 3: expected an operator"));
  CHECK(mentions(parse_error("context."), "member name"));
  CHECK(mentions(parse_error("context.items[-1]"), "array index"));
  CHECK(mentions(parse_error("a && b"), "'and'"));
  CHECK(mentions(parse_error("1.5555555555"), "decimal places"));
  CHECK(mentions(parse_error(""), "column 1"));
  CHECK(mentions(parse_error("and"), "keyword 'and'"));
}

TEST_CASE("roots lists each root read once, sorted") {
  const auto e = Expression::parse(
      "context.a > 1 and event.name == 'x' or context.b == add_days(today, 1)", "f");
  CHECK(e.roots() == std::vector<std::string>{"context", "event", "today"});
  CHECK(Expression::parse("1 + 2", "f").roots().empty());
  CHECK(e.text() == "context.a > 1 and event.name == 'x' or context.b == add_days(today, 1)");
  CHECK(e.field() == "f");
}

TEST_CASE("templates render several placeholders") {
  CHECK(render("Задача по сделке {{ context.deal_id }} до "
               "{{ add_working_days(today, 5, 'ru') }}") == "Задача по сделке 42 до 2026-01-14");
  CHECK(render("{{context.title}}{{ ' / ' }}{{ upper(event.data.by) }}") == "Поставка / IVANOV");
  CHECK(render("no placeholders") == "no placeholders");
  CHECK(render("") == "");
}

TEST_CASE("templates render numbers, null, booleans and collections as text") {
  CHECK(render("{{ 0.1 + 0.2 }}|{{ context.price }}|{{ context.nope }}|{{ event.data.ok }}") ==
        "0.3|19.99||true");
  CHECK(render("{{ context.tags }}") == R"(["vip","b2b"])");
}

TEST_CASE("templates keep single braces literal and write {{ through a string") {
  CHECK(render("{a} } { }} {{ '{{' }} x") == "{a} } { }} {{ x");
  CHECK(render("json: {\"id\": {{ context.deal_id }}}") == "json: {\"id\": 42}");
}

TEST_CASE("template errors give the column in the whole template") {
  const Error e =
      error_of([] { Template::parse("Сумма {{ context.amount + }} руб.", "emit.text"); });
  REQUIRE(e.field_errors().size() == 1);
  CHECK(e.field_errors()[0].field == "emit.text");
  CHECK(e.field_errors()[0].rule == "expression");
  CHECK(e.field_errors()[0].message.find("column 27") != std::string::npos);
  const Error open = error_of([] { Template::parse("x {{ context.a", "emit.text"); });
  CHECK(open.field_errors()[0].message.find("'}}'") != std::string::npos);
  const Error empty = error_of([] { Template::parse("x {{ }}", "emit.text"); });
  CHECK(empty.field_errors()[0].message.find("column 6") != std::string::npos);
  const Error eval =
      error_of([] { Template::parse("x {{ 1 / 0 }}", "emit.text").render(scope(), env()); });
  CHECK(eval.field_errors()[0].rule == "expression_eval");
}

TEST_CASE("template roots cover all placeholders") {
  const Template t = Template::parse("{{ key }}: {{ context.a }} {{ context.b }}", "f");
  CHECK(t.roots() == std::vector<std::string>{"context", "key"});
}

TEST_CASE("expressions of more than 1000 nodes are rejected") {
  std::string ok = "1";
  for (int i = 0; i < 499; ++i) ok += " + 1";  // 999 nodes
  CHECK(eval(ok) == 500);
  const std::string too_big = ok + " + 1";  // 1001 nodes
  CHECK(mentions(parse_error(too_big), "too large"));
}

TEST_CASE("nesting deeper than 64 levels is rejected") {
  const std::string ok = std::string(64, '(') + "1" + std::string(64, ')');
  CHECK(eval(ok) == 1);
  const std::string deep = std::string(65, '(') + "1" + std::string(65, ')');
  CHECK(mentions(parse_error(deep), "column 65: nested too deeply"));
  std::string nots;
  for (int i = 0; i < 65; ++i) nots += "not ";
  CHECK(mentions(parse_error(nots + "true"), "nested too deeply"));
  CHECK(mentions(parse_error(std::string(70, '-') + "1"), "nested too deeply"));
}

TEST_CASE("a parsed expression is evaluated many times against different scopes") {
  const Expression e = Expression::parse("context.amount > 100000", "f");
  json::object small;
  small["context"] = json::object{{"amount", 5}};
  json::object big;
  big["context"] = json::object{{"amount", "250000.00"}};
  const Expression copy = e;
  CHECK_FALSE(e.evaluate_bool(small, env()));
  CHECK(copy.evaluate_bool(big, env()));
}
