#include "core/base64.hpp"

#include <array>
#include <cstdint>
#include <new>
#include <utility>

#include "core/error.hpp"

namespace opora {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Marks every byte that is not an alphabet character, '=' included, so the
// hot loop needs a single test per group.
constexpr uint8_t kInvalid = 0xff;

constexpr std::array<uint8_t, 256> make_decode_table() {
  std::array<uint8_t, 256> table{};
  for (auto& v : table) v = kInvalid;
  for (uint8_t i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = i;
  return table;
}

constexpr std::array<uint8_t, 256> kDecode = make_decode_table();

inline uint8_t sextet(char c) noexcept {
  return kDecode[static_cast<unsigned char>(c)];
}

enum class Problem { none, length, alphabet, padding, trailing_bits };

struct Outcome {
  Problem problem = Problem::none;
  size_t position = 0;  // 0-based index of the offending character
};

// Shared by both public decoders so that they accept exactly the same texts.
// Writes into `out` only on success. May throw std::bad_alloc.
Outcome decode_into(std::string_view text, std::string& out) {
  const size_t n = text.size();
  if (n % 4 != 0) return {Problem::length, n};
  if (n == 0) {
    out.clear();
    return {};
  }

  // Padding may only occupy the last one or two places; '=' anywhere else is
  // caught as a non-alphabet character below and reclassified.
  size_t pad = 0;
  if (text[n - 1] == '=') pad = text[n - 2] == '=' ? 2 : 1;
  const size_t body = n - pad;  // characters that carry data

  auto classify = [&](size_t i) -> Outcome {
    return {text[i] == '=' ? Problem::padding : Problem::alphabet, i};
  };

  // Validate and decode in one pass into a buffer sized up front; a huge
  // input then costs one allocation and no per-character appends.
  std::string result(n / 4 * 3 - pad, '\0');
  char* dst = result.data();
  const char* src = text.data();
  const size_t full_groups = body / 4;
  for (size_t g = 0; g < full_groups; ++g, src += 4, dst += 3) {
    const uint8_t a = sextet(src[0]), b = sextet(src[1]), c = sextet(src[2]), d = sextet(src[3]);
    // Sextets are below 64, so any high bit means some character was invalid.
    if (((a | b | c | d) & 0xc0) != 0) {
      for (size_t k = 0; k < 4; ++k)
        if (sextet(src[k]) == kInvalid) return classify(g * 4 + k);
    }
    const uint32_t v = (uint32_t{a} << 18) | (uint32_t{b} << 12) | (uint32_t{c} << 6) | d;
    dst[0] = static_cast<char>(v >> 16);
    dst[1] = static_cast<char>(v >> 8);
    dst[2] = static_cast<char>(v);
  }

  if (pad > 0) {
    // The final group holds 4 - pad data characters.
    const size_t start = full_groups * 4;
    uint32_t v = 0;
    for (size_t k = start; k < body; ++k) {
      const uint8_t s = sextet(text[k]);
      if (s == kInvalid) return classify(k);
      v = (v << 6) | s;
    }
    if (pad == 2) {
      // Two characters = 12 bits for one byte: the low 4 bits must be zero.
      if ((v & 0x0f) != 0) return {Problem::trailing_bits, body - 1};
      dst[0] = static_cast<char>(v >> 4);
    } else {
      // Three characters = 18 bits for two bytes: the low 2 bits must be zero.
      if ((v & 0x03) != 0) return {Problem::trailing_bits, body - 1};
      dst[0] = static_cast<char>(v >> 10);
      dst[1] = static_cast<char>(v >> 2);
    }
  }

  out = std::move(result);
  return {};
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  const size_t n = bytes.size();
  std::string out((n + 2) / 3 * 4, '\0');
  const auto* src = reinterpret_cast<const unsigned char*>(bytes.data());
  char* dst = out.data();

  size_t i = 0;
  for (; i + 3 <= n; i += 3, dst += 4) {
    const uint32_t v = (uint32_t{src[i]} << 16) | (uint32_t{src[i + 1]} << 8) | src[i + 2];
    dst[0] = kAlphabet[v >> 18];
    dst[1] = kAlphabet[(v >> 12) & 63];
    dst[2] = kAlphabet[(v >> 6) & 63];
    dst[3] = kAlphabet[v & 63];
  }
  const size_t rest = n - i;
  if (rest > 0) {
    uint32_t v = uint32_t{src[i]} << 16;
    if (rest == 2) v |= uint32_t{src[i + 1]} << 8;
    dst[0] = kAlphabet[v >> 18];
    dst[1] = kAlphabet[(v >> 12) & 63];
    dst[2] = rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    dst[3] = '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) noexcept {
  try {
    std::string out;
    if (decode_into(text, out).problem != Problem::none) return std::nullopt;
    return out;
  } catch (const std::bad_alloc&) {
    // This overload promises not to throw; a text too large to decode into
    // memory cannot be returned either way. Callers that must tell the two
    // apart use base64_decode_field().
    return std::nullopt;
  }
}

std::string base64_decode_field(std::string_view text, const std::string& field) {
  std::string out;
  const Outcome r = decode_into(text, out);
  const auto pos = [&r] { return std::to_string(r.position + 1); };
  switch (r.problem) {
    case Problem::none:
      return out;
    case Problem::length:
      fail_field(ErrorCode::invalid, field, "base64",
                 "length " + std::to_string(text.size()) + " is not a multiple of 4");
    case Problem::alphabet:
      fail_field(ErrorCode::invalid, field, "base64",
                 "character " + pos() + " is not in the base64 alphabet");
    case Problem::padding:
      fail_field(ErrorCode::invalid, field, "base64",
                 "padding '=' at character " + pos() + " is only allowed at the end");
    case Problem::trailing_bits:
      fail_field(ErrorCode::invalid, field, "base64",
                 "character " + pos() + " has non-zero bits after the last encoded byte");
  }
  fail_field(ErrorCode::internal, field, "base64", "unknown decoding problem");
}

}  // namespace opora
