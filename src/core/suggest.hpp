// "Did you mean ...?" for a name a caller misspelt. Pure: no I/O, no state,
// so the engine's schema check and the modules that read their own documents
// (workflow definitions) suggest the same names for the same typos.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace opora {

// The known name `given` most likely meant, or nullopt when none is close:
// - the same name up to case, '_' and '-' ("dateFrom" -> "date_from");
// - a typo: at most 1 edit for names up to 4 characters, 2 up to 8, 3 beyond
//   (an edit inserts, deletes, replaces or swaps two neighbours: "dat" ->
//   "date", "lmiit" -> "limit");
// - an abbreviation: the letters of `given`, in order, starting the known name
//   with its first letter ("qty" -> "quantity", "amt" -> "amount");
// - a prefix of at least 3 characters either way ("valid" -> "valid_from").
// The closest kind wins, then the fewest edits, then the first in `known`.
std::optional<std::string> closest_name(std::string_view given,
                                        const std::vector<std::string>& known);

// The message of an unknown field: `is not a known field; did you mean
// "quantity"?`, or, with nothing close, the known names (at most 20).
std::string unknown_field_message(std::string_view given, const std::vector<std::string>& known);

}  // namespace opora
