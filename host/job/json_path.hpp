// JSON paths for error messages ("$.steps[1].run") and safe quoting of user-supplied text inside messages.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hodei::job {

// The path of member `key` of the object at `parent`: `$.env.HOME`, or `$.env["a b"]` when the key is not a plain
// word ([A-Za-z_][A-Za-z0-9_-]*). Very long keys are shortened with "...".
std::string json_path_member(std::string_view parent, std::string_view key);

// The path of element `index` (0-based) of the array at `parent`: `$.steps[1]`.
std::string json_path_index(std::string_view parent, std::size_t index);

// `text` in single quotes, fit to print: control characters and quotes escaped, cut to about 64 bytes with "...".
// For keys and names only; values are never quoted in messages since they may be secrets.
std::string quote_for_message(std::string_view text);

} // namespace hodei::job
