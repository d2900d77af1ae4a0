#include "core/suggest.hpp"

#include <algorithm>
#include <limits>

namespace opora {

namespace {

std::string folded(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '_' || c == '-') continue;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Optimal string alignment distance (Damerau-Levenshtein without repeated
// edits of one substring): insert, delete, replace, swap neighbours.
size_t edit_distance(const std::string& a, const std::string& b) {
  const size_t n = a.size();
  const size_t m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1, 0));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

bool abbreviates(const std::string& given, const std::string& name) {
  if (given.size() < 2 || given.size() >= name.size() || given[0] != name[0]) return false;
  size_t j = 0;
  for (char c : name)
    if (j < given.size() && c == given[j]) ++j;
  return j == given.size();
}

bool prefix_either_way(const std::string& a, const std::string& b) {
  const std::string& shorter = a.size() < b.size() ? a : b;
  const std::string& longer = a.size() < b.size() ? b : a;
  return shorter.size() >= 3 && longer.compare(0, shorter.size(), shorter) == 0;
}

}  // namespace

std::optional<std::string> closest_name(std::string_view given,
                                        const std::vector<std::string>& known) {
  // Names longer than this are not field names; comparing them costs time only.
  constexpr size_t kLongest = 100;
  if (given.empty() || given.size() > kLongest) return std::nullopt;
  const std::string g = lowered(given);
  const std::string gf = folded(given);
  const size_t allowed = g.size() <= 4 ? 1 : g.size() <= 8 ? 2 : 3;
  // Lower rank is better: 0 same when folded, 1 typo, 2 abbreviation or prefix.
  int best_rank = std::numeric_limits<int>::max();
  size_t best_edits = std::numeric_limits<size_t>::max();
  const std::string* best = nullptr;
  for (const auto& name : known) {
    if (name.size() > kLongest) continue;
    const std::string n = lowered(name);
    int rank = -1;
    // Edits are counted only where they can be few: a name much longer or
    // shorter than the given one is never a typo of it.
    const size_t length_gap = g.size() > n.size() ? g.size() - n.size() : n.size() - g.size();
    size_t edits = length_gap <= allowed ? edit_distance(g, n) : std::numeric_limits<size_t>::max();
    if (!gf.empty() && folded(name) == gf)
      rank = 0;
    else if (edits <= allowed && edits < std::max(g.size(), n.size()))
      rank = 1;
    else if (abbreviates(g, n) || prefix_either_way(g, n))
      rank = 2;
    if (rank < 0) continue;
    if (rank < best_rank || (rank == best_rank && edits < best_edits)) {
      best_rank = rank;
      best_edits = edits;
      best = &name;
    }
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

std::string unknown_field_message(std::string_view given, const std::vector<std::string>& known) {
  if (auto name = closest_name(given, known))
    return "is not a known field; did you mean \"" + *name + "\"?";
  if (known.empty()) return "is not a known field: this object takes no fields";
  std::string list;
  constexpr size_t kListed = 20;
  for (size_t i = 0; i < known.size() && i < kListed; ++i) list += (i == 0 ? "" : ", ") + known[i];
  if (known.size() > kListed) list += ", ...";
  return "is not a known field (known: " + list + ")";
}

}  // namespace opora
