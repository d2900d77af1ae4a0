#include "registry/numbering.hpp"

#include <cstdio>

#include "core/error.hpp"

namespace opora::registry {
namespace {

// Calls `literal(text)` and `field(name)` for each part of the pattern and
// returns false on a malformed placeholder; shared by validation and format.
template <typename Literal, typename Field>
bool walk(std::string_view p, Literal&& literal, Field&& field) {
  size_t i = 0;
  while (i < p.size()) {
    const size_t open = p.find('{', i);
    if (open == std::string_view::npos) {
      literal(p.substr(i));
      break;
    }
    literal(p.substr(i, open - i));
    const size_t close = p.find('}', open);
    if (close == std::string_view::npos) return false;
    if (!field(p.substr(open + 1, close - open - 1))) return false;
    i = close + 1;
  }
  return true;
}

int seq_width(std::string_view name) {
  if (name == "seq") return 0;
  if (name.size() < 5 || name.substr(0, 4) != "seq:") return -1;
  int w = 0;
  for (char c : name.substr(4)) {
    if (c < '0' || c > '9') return -1;
    w = w * 10 + (c - '0');
    if (w > 12) return -1;
  }
  return w >= 1 ? w : -1;
}

bool known(std::string_view name) {
  return name == "yyyy" || name == "yy" || name == "mm" || name == "dd" || seq_width(name) >= 0;
}

std::string padded(int64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lld", width, static_cast<long long>(v));
  return buf;
}

}  // namespace

NumberPattern::NumberPattern(std::string_view pattern, const std::string& field)
    : pattern_(pattern) {
  bool has_seq = false;
  std::string bad;
  const bool ok = walk(
      pattern, [](std::string_view) {},
      [&](std::string_view name) {
        if (!known(name)) {
          bad = std::string(name);
          return false;
        }
        has_seq = has_seq || seq_width(name) >= 0;
        return true;
      });
  if (!ok)
    fail_field(ErrorCode::invalid, field, "number_pattern",
               bad.empty() ? "has an unclosed \"{\""
                           : "unknown placeholder {" + bad +
                                 "}; use {yyyy}, {yy}, {mm}, {dd}, {seq} or {seq:N}");
  if (!has_seq)
    fail_field(ErrorCode::invalid, field, "number_pattern",
               "must contain {seq} or {seq:N} so numbers differ");
}

bool NumberPattern::uses_year() const {
  return pattern_.find("{yyyy}") != std::string::npos || pattern_.find("{yy}") != std::string::npos;
}

std::string NumberPattern::format(const Date& date, int64_t seq) const {
  std::string out;
  walk(
      pattern_, [&](std::string_view text) { out.append(text); },
      [&](std::string_view name) {
        if (name == "yyyy")
          out += padded(date.year(), 4);
        else if (name == "yy")
          out += padded(date.year() % 100, 2);
        else if (name == "mm")
          out += padded(date.month(), 2);
        else if (name == "dd")
          out += padded(date.day(), 2);
        else
          out += padded(seq, seq_width(name));
        return true;
      });
  return out;
}

}  // namespace opora::registry
