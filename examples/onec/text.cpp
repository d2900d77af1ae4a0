#include "text.hpp"

#include <cstdint>

namespace opora_onec {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

bool is_high_surrogate(char32_t c) {
  return c >= 0xD800 && c <= 0xDBFF;
}
bool is_low_surrogate(char32_t c) {
  return c >= 0xDC00 && c <= 0xDFFF;
}

void append_utf8(char32_t c, std::string& out) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

void append_utf16(char32_t c, std::u16string& out) {
  if (c < 0x10000) {
    out.push_back(static_cast<char16_t>(c));
  } else {
    c -= 0x10000;
    out.push_back(static_cast<char16_t>(0xD800 + (c >> 10)));
    out.push_back(static_cast<char16_t>(0xDC00 + (c & 0x3FF)));
  }
}

// Decodes one UTF-8 sequence at in[i], advancing i; refuses overlong forms,
// encoded surrogates and values beyond U+10FFFF (one bad byte is skipped).
char32_t decode_utf8(std::string_view in, std::size_t& i) {
  const auto lead = static_cast<std::uint8_t>(in[i++]);
  if (lead < 0x80) return lead;
  struct Form {
    std::uint8_t mask, value;  // the lead byte's marker bits
    std::size_t extra;         // continuation bytes
    char32_t min;              // smallest code point not overlong in this form
  };
  static constexpr Form kForms[] = {
      {0xE0, 0xC0, 1, 0x80}, {0xF0, 0xE0, 2, 0x800}, {0xF8, 0xF0, 3, 0x10000}};
  const Form* form = nullptr;
  for (const Form& f : kForms)
    if ((lead & f.mask) == f.value) form = &f;
  if (form == nullptr) return kReplacement;
  const std::size_t extra = form->extra;
  char32_t c = lead & static_cast<std::uint8_t>(~form->mask);
  const char32_t min = form->min;
  if (in.size() - i < extra) return kReplacement;
  for (std::size_t k = 0; k < extra; ++k) {
    const auto next = static_cast<std::uint8_t>(in[i + k]);
    if ((next & 0xC0) != 0x80) return kReplacement;
    c = (c << 6) | (next & 0x3Fu);
  }
  if (c < min || c > 0x10FFFF || is_high_surrogate(c) || is_low_surrogate(c)) return kReplacement;
  i += extra;
  return c;
}

char16_t fold(char16_t c) {
  if (c >= u'A' && c <= u'Z') return static_cast<char16_t>(c + 0x20);
  if (c >= 0x0410 && c <= 0x042F) return static_cast<char16_t>(c + 0x20);  // А..Я
  if (c >= 0x0400 && c <= 0x040F) return static_cast<char16_t>(c + 0x50);  // Ѐ..Џ, Ё
  return c;
}

}  // namespace

bool utf16_to_utf8(std::u16string_view in, std::string& out, std::size_t& bad_at) {
  out.clear();
  out.reserve(in.size() * 3);
  for (std::size_t i = 0; i < in.size(); ++i) {
    char32_t c = in[i];
    if (is_high_surrogate(c) && i + 1 < in.size() && is_low_surrogate(in[i + 1])) {
      c = 0x10000 + ((c - 0xD800) << 10) + (in[i + 1] - 0xDC00u);
      ++i;
    } else if (is_high_surrogate(c) || is_low_surrogate(c)) {
      bad_at = i;
      return false;
    }
    append_utf8(c, out);
  }
  return true;
}

std::u16string utf8_to_utf16(std::string_view in) {
  std::u16string out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) append_utf16(decode_utf8(in, i), out);
  return out;
}

bool same_name(std::u16string_view a, std::u16string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (fold(a[i]) != fold(b[i])) return false;
  return true;
}

}  // namespace opora_onec
