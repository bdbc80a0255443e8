// Host-side handle to one artifact backend of one loaded plugin. Keeps the plugin loaded while it lives.
#pragma once

#include "plugin_info.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

namespace hodei::plugins {

struct ObjectInfo {
  uint64_t size = 0;
  int64_t modified_unix_ms = 0;
  std::string etag;
  std::string sha256_hex;
};

// Pulls bytes for put: returns the count read into `buf`, 0 at end. Throws to abort the transfer.
using ReadFn = std::function<size_t(std::span<uint8_t> buf)>;
// Pushes bytes from get. Throws to abort the transfer.
using WriteFn = std::function<void(std::span<const uint8_t> bytes)>;
// Polled between chunks; true = stop.
using CancelFn = std::function<bool()>;

class ArtifactBackendHandle {
public:
  virtual ~ArtifactBackendHandle() = default;
  [[nodiscard]] virtual const PluginInfo &info() const = 0;
  // All throw PluginCallError (status + message) on failure.
  virtual ObjectInfo put(const std::string &uri, const ReadFn &read, std::optional<uint64_t> size,
                         const std::optional<std::string> &expected_sha256, const CancelFn &cancel) = 0;
  virtual void get(const std::string &uri, uint64_t offset, std::optional<uint64_t> length, const WriteFn &write,
                   const CancelFn &cancel) = 0;
  virtual ObjectInfo stat(const std::string &uri) = 0;
  virtual void remove(const std::string &uri) = 0;
};

} // namespace hodei::plugins
