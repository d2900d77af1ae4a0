#include "text_layout.hpp"

#include <algorithm>

namespace opora_cli {
namespace {

constexpr std::size_t kGap = 2;       // spaces between columns
constexpr std::size_t kMinCell = 4;   // a shrunk column keeps this many code points
constexpr std::size_t kMinWrap = 24;  // a wrapped last column is at least this wide
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U;
}

// Byte offset just past the first `count` code points of text.
std::size_t prefix_bytes(std::string_view text, std::size_t count) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_continuation(text[i])) continue;
    if (seen == count) return i;
    ++seen;
  }
  return text.size();
}

void append_padded(std::string& line, std::string_view cell, std::size_t width) {
  line += cell;
  const std::size_t used = text_width(cell);
  if (used < width) line.append(width - used, ' ');
}

// Splits text into lines of at most `width` code points, at spaces where it can.
std::vector<std::string> wrap_text(std::string_view text, std::size_t width) {
  std::vector<std::string> lines;
  std::string line;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(pos, end - pos);
    pos = end + 1;
    if (word.empty()) continue;
    const std::size_t needed = text_width(line) + (line.empty() ? 0 : 1) + text_width(word);
    if (!line.empty() && needed > width) {
      lines.push_back(std::move(line));
      line.clear();
    }
    while (text_width(word) > width) {  // a word longer than the column: split it
      const std::size_t cut = prefix_bytes(word, width - text_width(line));
      line += word.substr(0, cut);
      word.remove_prefix(cut);
      lines.push_back(std::move(line));
      line.clear();
    }
    if (!line.empty()) line += ' ';
    line += word;
  }
  if (!line.empty() || lines.empty()) lines.push_back(std::move(line));
  return lines;
}

std::size_t total_width(const std::vector<std::size_t>& widths) {
  std::size_t total = 0;
  for (const std::size_t w : widths) total += w;
  return total + (widths.empty() ? 0 : kGap * (widths.size() - 1));
}

}  // namespace

std::size_t text_width(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return !is_continuation(c); }));
}

std::string truncate_text(std::string_view text, std::size_t width) {
  if (text_width(text) <= width) return std::string(text);
  if (width == 0) return {};
  std::string cut(text.substr(0, prefix_bytes(text, width - 1)));
  cut += kEllipsis;
  return cut;
}

std::string single_line(std::string_view text) {
  std::string line(text);
  for (char& c : line) {
    if (static_cast<unsigned char>(c) < 0x20U || c == '\x7F') c = ' ';
  }
  return line;
}

std::string render_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows,
                         const TableLayout& layout) {
  const std::size_t columns = !header.empty() ? header.size()
                              : rows.empty()  ? 0
                                              : rows.front().size();
  if (columns == 0) return {};
  auto cell_of = [](const std::vector<std::string>& row, std::size_t c) -> std::string_view {
    return c < row.size() ? std::string_view(row[c]) : std::string_view();
  };

  std::vector<std::size_t> widths(columns, 0);
  for (std::size_t c = 0; c < columns; ++c) {
    if (!header.empty()) widths[c] = text_width(header[c]);
    for (const auto& row : rows) widths[c] = std::max(widths[c], text_width(cell_of(row, c)));
  }

  const bool limited = layout.max_width > 0 && total_width(widths) > layout.max_width;
  if (limited && layout.wrap_last) {
    std::size_t start = total_width(widths) - widths.back();
    widths.back() = std::max(kMinWrap, layout.max_width > start ? layout.max_width - start : 0);
  } else if (limited) {
    while (total_width(widths) > layout.max_width) {
      auto widest = std::max_element(widths.begin(), widths.end());
      if (*widest <= kMinCell) break;
      --*widest;
    }
  }

  std::string out;
  auto emit = [&](const std::vector<std::string>& row) {
    std::vector<std::vector<std::string>> cells(columns);
    std::size_t height = 1;
    for (std::size_t c = 0; c < columns; ++c) {
      const std::string_view text = cell_of(row, c);
      if (layout.wrap_last && c + 1 == columns) {
        cells[c] = wrap_text(text, widths[c]);
      } else {
        cells[c] = {truncate_text(text, widths[c])};
      }
      height = std::max(height, cells[c].size());
    }
    for (std::size_t h = 0; h < height; ++h) {
      std::string line;
      for (std::size_t c = 0; c < columns; ++c) {
        const std::string_view text = h < cells[c].size() ? cells[c][h] : std::string_view();
        if (c + 1 == columns) {
          line += text;
        } else {
          append_padded(line, text, widths[c]);
          line.append(kGap, ' ');
        }
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line;
      out += '\n';
    }
  };
  if (!header.empty()) emit(header);
  for (const auto& row : rows) emit(row);
  return out;
}

}  // namespace opora_cli
