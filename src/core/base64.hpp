// Base64 (RFC 4648 §4: standard alphabet, '=' padding) for binary payloads
// carried inside JSON.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace opora {

// Encodes with padding and without line breaks.
std::string base64_encode(std::string_view bytes);

// Decodes canonical base64 only, so that every byte string has exactly one
// accepted spelling: the length must be a multiple of 4, every character must
// be in the alphabet (no whitespace, no URL-safe '-' or '_'), '=' may only end
// the text (one or two of them), and the unused bits before the padding must
// be zero (RFC 4648 §3.5). Returns nullopt for anything else.
std::optional<std::string> base64_decode(std::string_view text) noexcept;

// Like base64_decode(), but throws Error(invalid) for `field` with rule
// "base64" and a message saying what is wrong. Character positions in the
// message count from 1.
std::string base64_decode_field(std::string_view text, const std::string& field);

}  // namespace opora
