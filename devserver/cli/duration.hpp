// Durations on the command line: "250ms", "30s", "5m", "1h"; a bare number is seconds.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace hodei::devserver::cli {

// nullopt when the text is not a non-negative duration in one of those units.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

} // namespace hodei::devserver::cli
