// cat("a", b, "c"): joins string pieces with one allocation (for messages built inside loops).
#pragma once

#include <string>
#include <string_view>

namespace hodei::docker {

template <class... Parts> std::string cat(const Parts &...parts) {
  std::string out;
  out.reserve((std::string_view(parts).size() + ...));
  (out.append(std::string_view(parts)), ...);
  return out;
}

} // namespace hodei::docker
