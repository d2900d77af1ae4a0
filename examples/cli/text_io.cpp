#include "text_io.hpp"

#include <array>

namespace opora_cli {

std::optional<std::string> read_stdin() {
  std::string text;
  std::array<char, 65536> buffer{};
  for (;;) {
    const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), stdin);
    text.append(buffer.data(), n);
    if (n < buffer.size()) break;
  }
  if (std::ferror(stdin) != 0) return std::nullopt;
  return text;
}

void write_text(std::FILE* stream, std::string_view text) {
  if (!text.empty()) std::fwrite(text.data(), 1, text.size(), stream);
}

}  // namespace opora_cli
