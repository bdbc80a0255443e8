#include "listen_address.hpp"

#include <charconv>
#include <stdexcept>

namespace hodei::metrics {

ListenAddress parse_listen_address(const std::string &text, const std::string &setting) {
  const auto bad = [&](const std::string &why) {
    return std::invalid_argument(setting + ": expected host:port (e.g. 127.0.0.1:9464 or [::1]:9464), got '" + text +
                                 "': " + why);
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) throw bad("no port");
  ListenAddress address;
  address.host = text.substr(0, colon);
  if (address.host.size() >= 2 && address.host.front() == '[' && address.host.back() == ']') {
    address.host = address.host.substr(1, address.host.size() - 2);
  } else if (address.host.find(':') != std::string::npos) {
    throw bad("an IPv6 address needs brackets");
  }
  if (address.host.empty()) throw bad("no host (0.0.0.0 listens on every interface)");
  const std::string port = text.substr(colon + 1);
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    throw bad("the port must be a number from 0 to 65535");
  }
  address.port = static_cast<uint16_t>(value);
  return address;
}

} // namespace hodei::metrics
