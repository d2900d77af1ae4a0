// Form rules, and a thrown error listing each distinct problem once, bounded.
#include <doctest/doctest.h>

#include <string>

#include "core/error.hpp"
#include "test_support.hpp"

using opora::Error;
using opora::ErrorCode;
using opora::FieldErrors;
using opora::test::error_of;

TEST_CASE("form rules are the closed list opora.h gives under OPORA_EINVAL") {
  for (const char* rule : {"required", "unknown_field", "alias_conflict", "type", "enum", "length",
                           "range", "date", "date-time", "money", "money_scale", "decimal",
                           "quantity", "vat_rate", "percent", "inexact_number"})
    CHECK(opora::is_form_rule(rule));
  CHECK_FALSE(opora::is_form_rule("inn_checksum"));
  CHECK_FALSE(opora::is_form_rule("totals_mismatch"));
  CHECK_FALSE(opora::is_form_rule(""));
}

TEST_CASE("a thrown error lists each distinct problem once") {
  FieldErrors errors;
  errors.add("a", "required", "is required");
  errors.add("a", "required", "is required");
  errors.add("b", "required", "is required");
  const Error e = error_of([&] { errors.throw_if_any(ErrorCode::invalid); });
  REQUIRE(e.field_errors().size() == 2);
  CHECK(std::string(e.what()) == "a: is required; b: is required");
}

TEST_CASE("the same problem in 10,000 array entries is listed ten times and counted") {
  FieldErrors errors;
  for (int i = 0; i < 10000; ++i)
    errors.add("calendar.weekend[" + std::to_string(i) + "]", "enum", "expected mon..sun");
  errors.add("calendar.id", "required", "is required");
  CHECK(errors.list().size() == 10001);  // modules still see every problem they added
  const Error e = error_of([&] { errors.throw_if_any(ErrorCode::invalid); });
  REQUIRE(e.field_errors().size() == 11);
  CHECK(e.field_errors()[0].field == "calendar.weekend[0]");
  CHECK(e.field_errors()[9].field == "calendar.weekend[9]");
  CHECK(e.field_errors()[10].field == "calendar.id");
  const std::string text = e.what();
  CHECK(text.size() < 1000);
  CHECK(text.find("and 9990 more problems not listed") != std::string::npos);
  CHECK(e.omitted() == 9990);
  // Relisted under other paths (a module naming its parameter), the count stays.
  FieldErrors relisted;
  for (const auto& f : e.field_errors()) relisted.add("params." + f.field, f.rule, f.message);
  relisted.add_omitted(e.omitted());
  const Error again = error_of([&] { relisted.throw_if_any(ErrorCode::invalid); });
  CHECK(again.field_errors().size() == 11);
  CHECK(again.omitted() == 9990);
  CHECK(std::string(again.what()).find("and 9990 more problems not listed") != std::string::npos);
}

TEST_CASE("at most a hundred problems are listed") {
  FieldErrors errors;
  for (int i = 0; i < 500; ++i) errors.add("f" + std::to_string(i), "required", "is required");
  const Error e = error_of([&] { errors.throw_if_any(ErrorCode::invalid); });
  CHECK(e.field_errors().size() == FieldErrors::kMaxListed);
  CHECK(std::string(e.what()).find("and 400 more problems not listed") != std::string::npos);
}
