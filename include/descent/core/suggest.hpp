// "Did you mean": the closest known name to a misspelt one, for error messages about
// unknown optimizers, arguments and configuration keys.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace descent {

// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions, the
// commonest typo), ignoring ASCII case.
std::size_t edit_distance(std::string_view a, std::string_view b);

// "; did you mean 'adam'?" when a candidate is within a plausible typo (2 edits, 1 for
// names of 3 letters or fewer), otherwise "; expected one of: a, b, c".
std::string suggestion(std::string_view wrong, const std::vector<std::string>& candidates);

}  // namespace descent
