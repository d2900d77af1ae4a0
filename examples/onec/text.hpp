// Text at the edge between 1C (UTF-16) and opora (UTF-8), and 1C's
// case-insensitive names.
#ifndef OPORA_ONEC_TEXT_HPP
#define OPORA_ONEC_TEXT_HPP

#include <cstddef>
#include <string>
#include <string_view>

namespace opora_onec {

// Converts UTF-16 to UTF-8. Returns false at an unpaired surrogate, with its
// index in `bad_at`; `out` is then incomplete.
bool utf16_to_utf8(std::u16string_view in, std::string& out, std::size_t& bad_at);

// Converts UTF-8 to UTF-16. opora only returns valid UTF-8; anything else
// still converts, each bad byte becoming U+FFFD.
std::u16string utf8_to_utf16(std::string_view in);

// 1C script names are case-insensitive: compares after folding ASCII and
// Cyrillic (U+0400..U+042F) capitals to lower case.
bool same_name(std::u16string_view a, std::u16string_view b);

}  // namespace opora_onec

#endif  // OPORA_ONEC_TEXT_HPP
