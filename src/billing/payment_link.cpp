#include "billing/payment_link.hpp"

#include <string_view>

namespace opora::billing {
namespace {

std::string percent_encode(std::string_view s) {
  static const char* const kHex = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0F];
    }
  }
  return out;
}

bool known_placeholder(std::string_view name) {
  for (const char* p : kPaymentLinkPlaceholders)
    if (name == p) return true;
  return false;
}

// Walks the template: calls `literal` for text and `placeholder` for each
// {name}; returns an error message for a malformed template, "" when fine.
template <typename Literal, typename Placeholder>
std::string walk_link_template(const std::string& t, Literal literal, Placeholder placeholder) {
  for (size_t i = 0; i < t.size();) {
    if (t.compare(i, 2, "{{") == 0 || t.compare(i, 2, "}}") == 0) {
      literal(std::string_view(&t[i], 1));
      i += 2;
    } else if (t[i] == '{') {
      const size_t end = t.find('}', i + 1);
      if (end == std::string::npos) return "has an unclosed { at byte " + std::to_string(i + 1);
      const std::string_view name(t.data() + i + 1, end - i - 1);
      if (!known_placeholder(name))
        return "has an unknown placeholder {" + std::string(name) +
               "}; known: {number}, {amount}, {document}, {uid}";
      placeholder(name);
      i = end + 1;
    } else if (t[i] == '}') {
      return "has an unmatched } at byte " + std::to_string(i + 1) + " (write }} for a brace)";
    } else {
      literal(std::string_view(&t[i], 1));
      ++i;
    }
  }
  return "";
}

}  // namespace

void check_payment_link(const std::string& tmpl, const std::string& field, FieldErrors& errors) {
  if (tmpl.size() > 2000) {
    errors.add(field, "length", "must have at most 2000 bytes");
    return;
  }
  const bool http = tmpl.rfind("https://", 0) == 0 || tmpl.rfind("http://", 0) == 0;
  const size_t host = tmpl.find("://") + 3;
  if (!http || tmpl.size() <= host || tmpl[host] == '/') {
    errors.add(field, "pattern", "must be an absolute http:// or https:// URL with a host");
    return;
  }
  for (char ch : tmpl) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7F) {
      errors.add(field, "pattern", "must not contain spaces or control characters");
      return;
    }
  }
  const std::string problem = walk_link_template(
      tmpl, [](std::string_view) {}, [](std::string_view) {});
  if (!problem.empty()) errors.add(field, "placeholder", problem);
}

std::string expand_payment_link(const std::string& tmpl,
                                const std::map<std::string, std::optional<std::string>>& values,
                                const std::string& field) {
  FieldErrors errors;
  check_payment_link(tmpl, field, errors);
  errors.throw_if_any(ErrorCode::invalid);
  std::string out;
  walk_link_template(
      tmpl, [&out](std::string_view s) { out += s; },
      [&](std::string_view name) {
        const auto it = values.find(std::string(name));
        if (it == values.end() || !it->second)
          fail_field(
              ErrorCode::validation, field, std::string(name) + "_unavailable",
              "the template uses {" + std::string(name) + "}, which this document does not have");
        out += percent_encode(*it->second);
      });
  return out;
}

}  // namespace opora::billing
