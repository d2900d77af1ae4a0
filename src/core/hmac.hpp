// HMAC-SHA256 (RFC 2104 over FIPS 180-4), checked against RFC 4231's test
// vectors. The exchange signs every message with the pair's shared secret.
#pragma once

#include <string>
#include <string_view>

namespace opora {

// HMAC-SHA256 of `message` under `key`, as 64 lower-case hex digits.
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

// Compares two strings in time that depends on their length only, so a
// signature check does not tell an attacker how many leading digits matched.
bool equal_in_constant_time(std::string_view a, std::string_view b) noexcept;

}  // namespace opora
