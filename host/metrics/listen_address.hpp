// "host:port" as written in the config (metrics.listen): 127.0.0.1:9464, [::1]:9464, localhost:9464, 0.0.0.0:0.
#pragma once

#include <cstdint>
#include <string>

namespace hodei::metrics {

struct ListenAddress {
  std::string host; // without brackets
  uint16_t port = 0;
};

// Throws std::invalid_argument naming `setting` and what was expected.
ListenAddress parse_listen_address(const std::string &text, const std::string &setting);

} // namespace hodei::metrics
