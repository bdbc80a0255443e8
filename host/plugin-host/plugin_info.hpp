// What the host knows about a loaded plugin and about files it refused.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace hodei::plugins {

struct PluginInfo {
  std::string id;         // reverse-DNS
  std::string short_name; // last component of id: what a job's "executor" may say
  std::string name;
  std::string version;
  std::string description;
  std::string file;   // absolute path of the shared library
  uint32_t kinds = 0; // HODEI_KIND_* bits
  uint64_t capabilities = 0;
  uint16_t abi_major = 0; // as the plugin declared
  uint16_t abi_minor = 0;
  std::vector<std::string> uri_schemes;
  std::string config_schema_json;
};

struct Refusal {
  std::string file;   // the library (or folder) refused
  std::string reason; // full message: what was wrong, with both versions where versions are involved
};

// A call into a plugin failed: the plugin's status and message.
class PluginCallError : public std::runtime_error {
public:
  PluginCallError(int32_t status, const std::string &message) : std::runtime_error(message), status_(status) {}
  [[nodiscard]] int32_t status() const noexcept { return status_; }

private:
  int32_t status_;
};

} // namespace hodei::plugins
