#include "core/base64.hpp"

#include <array>
#include <cstdint>

#include "core/error.hpp"

namespace opora {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> make_table() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr auto kTable = make_table();

// Decodes into `out`; on failure returns a description of the first problem.
std::string decode(std::string_view s, std::string& out) {
  if (s.size() % 4 != 0) return "length " + std::to_string(s.size()) + " is not a multiple of 4";
  size_t pad = 0;
  if (!s.empty() && s.back() == '=') pad = s.size() >= 2 && s[s.size() - 2] == '=' ? 2 : 1;
  out.clear();
  out.reserve(s.size() / 4 * 3);
  for (size_t i = 0; i < s.size(); i += 4) {
    uint32_t v = 0;
    const bool last = i + 4 == s.size();
    for (size_t j = 0; j < 4; ++j) {
      const char c = s[i + j];
      if (last && j >= 4 - pad) {
        v <<= 6;
        continue;
      }
      const int8_t d = kTable[static_cast<unsigned char>(c)];
      if (d < 0)
        return c == '='
                   ? "padding at character " + std::to_string(i + j + 1) + " is misplaced"
                   : "character " + std::to_string(i + j + 1) + " is not in the base64 alphabet";
      v = v << 6 | static_cast<uint32_t>(d);
    }
    out += static_cast<char>(v >> 16 & 0xFF);
    if (!last || pad < 2) out += static_cast<char>(v >> 8 & 0xFF);
    if (!last || pad < 1) out += static_cast<char>(v & 0xFF);
    if (last && ((pad == 1 && (v & 0xFF) != 0) || (pad == 2 && (v & 0xFFFF) != 0)))
      return "the bits under the padding are not zero";
  }
  return {};
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  const auto byte = [&](size_t k) {
    return static_cast<uint32_t>(static_cast<unsigned char>(bytes[k]));
  };
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += kAlphabet[v >> 6 & 63];
    out += kAlphabet[v & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    const uint32_t v = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += rest == 2 ? kAlphabet[v >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) noexcept {
  try {
    std::string out;
    if (!decode(text, out).empty()) return std::nullopt;
    return out;
  } catch (...) {
    return std::nullopt;
  }
}

std::string base64_decode_field(std::string_view text, const std::string& field) {
  std::string out;
  const std::string problem = decode(text, out);
  if (!problem.empty()) fail_field(ErrorCode::invalid, field, "base64", "not base64: " + problem);
  return out;
}

}  // namespace opora
