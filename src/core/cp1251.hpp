// Single-byte Cyrillic code pages met at the edges of Russian back offices:
// windows-1251 (1C bank exchange files, payment QR codes, older CRMs) and
// cp866 (the "DOS" variant of the bank exchange file). Inside opora all text
// is UTF-8; these convert at the edge and never guess.
//
// The tables are the Unicode Consortium's vendor mappings
// (MAPPINGS/VENDORS/MICSFT/WINDOWS/CP1251.TXT and .../PC/CP866.TXT), the same
// as Python's cp1251 and cp866 codecs.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace opora {

// Number of code points in well-formed UTF-8, or nullopt when `text` is not
// well-formed (truncated or stray continuation bytes, overlong forms, UTF-16
// surrogates, code points above U+10FFFF). Used to count "characters" the way
// length limits in Russian specs mean them, not bytes.
std::optional<size_t> utf8_length(std::string_view text) noexcept;

inline bool is_valid_utf8(std::string_view text) noexcept {
  return utf8_length(text).has_value();
}

// UTF-8 to windows-1251. Returns nullopt when `utf8` is not well-formed or
// holds a code point that has no windows-1251 byte (e.g. "ā", "😀"); then, if
// `bad_offset` is given, it receives the byte offset in `utf8` of the first
// offending sequence. Nothing is replaced or dropped silently: a payment QR or
// bank file with a "?" in the payee name is worse than a refusal.
std::optional<std::string> utf8_to_cp1251(std::string_view utf8, size_t* bad_offset = nullptr);
// Whether utf8_to_cp1251 would succeed, without building the result.
bool fits_cp1251(std::string_view utf8, size_t* bad_offset = nullptr) noexcept;

// Appends the UTF-8 encoding of a code point (the caller has checked it is
// one: not a surrogate, at most U+10FFFF).
void append_utf8(std::string& out, char32_t cp);

// windows-1251 to UTF-8. Every byte maps except 0x98, which the code page
// leaves undefined; such input returns nullopt (and its offset through
// `bad_offset`), because a real cp1251 text never contains it and seeing it
// means the bytes are in another encoding.
std::optional<std::string> cp1251_to_utf8(std::string_view bytes, size_t* bad_offset = nullptr);

// cp866 ("DOS", "alternative" code page) to UTF-8. All 256 bytes are defined
// (box drawing included), so this cannot fail and returns the text directly.
std::string cp866_to_utf8(std::string_view bytes);

}  // namespace opora
