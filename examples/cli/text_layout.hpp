// Laying out text for people: widths in code points and aligned tables.
#ifndef OPORA_CLI_TEXT_LAYOUT_HPP
#define OPORA_CLI_TEXT_LAYOUT_HPP

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace opora_cli {

// Display width of UTF-8 text: its code points (Cyrillic letters are two bytes
// and one column).
std::size_t text_width(std::string_view text);

// The text cut to at most `width` code points; a cut text ends with "…".
std::string truncate_text(std::string_view text, std::size_t width);

// Control characters (newlines, tabs) become spaces, so that a cell stays on
// its line.
std::string single_line(std::string_view text);

struct TableLayout {
  std::size_t max_width = 0;  // longest line in code points; 0: no limit
  bool wrap_last = false;     // over max_width: wrap the last column at spaces
                              // (else: shrink the widest columns and cut cells)
};

// Columns separated by two spaces, each as wide as its widest cell; the last
// column is not padded. An empty header prints no header line. Every row has
// as many cells as the header (or the first row).
std::string render_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows,
                         const TableLayout& layout);

}  // namespace opora_cli

#endif  // OPORA_CLI_TEXT_LAYOUT_HPP
