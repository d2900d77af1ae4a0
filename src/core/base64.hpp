// Base64 (RFC 4648 §4, standard alphabet, padded): how file bytes cross the
// JSON boundary.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace opora {

std::string base64_encode(std::string_view bytes);
// Strict: nullopt for a wrong length, a character outside the alphabet,
// misplaced padding or non-zero bits under the padding.
std::optional<std::string> base64_decode(std::string_view text) noexcept;
// Like base64_decode, but throws Error(invalid) naming `field` and the problem.
std::string base64_decode_field(std::string_view text, const std::string& field);

}  // namespace opora
