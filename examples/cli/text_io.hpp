// Reading standard input and writing text to stdout/stderr.
#ifndef OPORA_CLI_TEXT_IO_HPP
#define OPORA_CLI_TEXT_IO_HPP

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace opora_cli {

// Reads all of stdin as bytes; nullopt if it cannot be read (closed, a
// directory, an I/O error).
std::optional<std::string> read_stdin();

// Writes the bytes as they are (UTF-8 untouched).
void write_text(std::FILE* stream, std::string_view text);

}  // namespace opora_cli

#endif  // OPORA_CLI_TEXT_IO_HPP
