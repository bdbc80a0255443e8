#include "devserver/cli/duration.hpp"

#include <charconv>
#include <cstdint>
#include <limits>

namespace hodei::devserver::cli {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end == text.data()) return std::nullopt;
  const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  uint64_t factor = 0;
  if (unit == "ms")
    factor = 1;
  else if (unit.empty() || unit == "s")
    factor = 1000;
  else if (unit == "m")
    factor = 60'000;
  else if (unit == "h")
    factor = 3'600'000;
  else
    return std::nullopt;
  if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / factor) return std::nullopt;
  return std::chrono::milliseconds(static_cast<int64_t>(value * factor));
}

} // namespace hodei::devserver::cli
