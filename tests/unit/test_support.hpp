// Helpers shared by the unit tests: run code that should throw opora::Error
// and look at what it threw.
#pragma once

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "core/error.hpp"

namespace opora::test {

// The code of the opora::Error that `f` throws, or ErrorCode::ok if none.
template <typename F>
ErrorCode code_of(F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::ok;
}

// Runs `f`, which must throw opora::Error, and returns the error.
template <typename F>
Error error_of(F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const Error& e) {
    return e;
  }
  FAIL("expected opora::Error");
  return Error(ErrorCode::ok, "");
}

// The single field error of an ErrorCode::invalid that `f` must throw.
template <typename F>
FieldError field_error_of(F&& f) {
  const Error e = error_of(std::forward<F>(f));
  REQUIRE(e.code() == ErrorCode::invalid);
  REQUIRE(e.field_errors().size() == 1);
  return e.field_errors()[0];
}

// Deterministic pseudo-random bytes (Numerical Recipes LCG constants), so a
// failure reproduces exactly.
inline std::string lcg_bytes(size_t n, uint32_t seed) {
  std::string out(n, '\0');
  for (auto& c : out) {
    seed = seed * 1664525U + 1013904223U;
    c = static_cast<char>(seed >> 24);
  }
  return out;
}

}  // namespace opora::test
