// "Did you mean ...?" suggestions for misspelt field names and enum values.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hodei::job {

// Edit distance counting insertions, deletions, substitutions and swaps of two adjacent characters as one edit
// each ("stpes" -> "steps" is 1).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The first candidate within `max_distance` edits of `word` (the closest one wins), or nullopt. A candidate is
// only suggested when fewer edits than `word` has characters separate them, so "x" does not suggest "id".
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string> &candidates,
                                         std::size_t max_distance = 2);

} // namespace hodei::job
