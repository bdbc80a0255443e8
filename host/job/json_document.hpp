// Parsing untrusted JSON text into an nlohmann::json document, safely and with useful errors.
#pragma once

#include "json_reader.hpp"

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

namespace hodei::job {

struct JsonLimits {
  std::size_t max_bytes = std::size_t{4} * 1024 * 1024; // larger input is refused before parsing
  std::size_t max_depth = 64;                           // nested objects/arrays; the top-level value is depth 1
};

// Parses `text` as one JSON value. `//` and `/* */` comments are allowed. Refuses, with JsonReadError:
//   - syntax errors: path "$", position = line and column of the offending character;
//   - input larger than limits.max_bytes: path "$";
//   - nesting deeper than limits.max_depth: path of the container that is too deep;
//   - duplicate keys in an object (nlohmann would silently keep the last): path of the repeated key;
//   - numbers too large for a double: path of the number.
nlohmann::json parse_json_document(std::string_view text, const JsonLimits &limits = {});

// Line and column (1-based, column counted in UTF-8 characters, a leading byte-order mark not counted) of the
// character at 0-based `offset` of `text`; an offset past the end is the position just after the last character.
TextPosition text_position(std::string_view text, std::size_t offset);

} // namespace hodei::job
