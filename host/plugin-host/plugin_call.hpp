// Helpers for calling into a plugin: the caller-owned error buffer and the conversion of a status to an exception.
#pragma once

#include "plugin_info.hpp"
#include "status.hpp"

#include <array>
#include <cstring>
#include <hodei/abi.h>
#include <string>
#include <string_view>

namespace hodei::plugins {

// The caller-owned hodei_error of one call: 1 KiB, zeroed, so an empty message reads as "".
class ErrorBuffer {
public:
  static constexpr uint32_t kCapacity = 1024;
  ErrorBuffer() noexcept {
    err_.struct_size = sizeof(hodei_error);
    err_.capacity = kCapacity;
    err_.message = text_.data();
  }
  ErrorBuffer(const ErrorBuffer &) = delete;
  ErrorBuffer &operator=(const ErrorBuffer &) = delete;

  [[nodiscard]] hodei_error *get() noexcept { return &err_; }
  // What the plugin wrote, bounded by the capacity even if it forgot the NUL.
  [[nodiscard]] std::string message() const { return {text_.data(), ::strnlen(text_.data(), text_.size())}; }

private:
  std::array<char, kCapacity> text_{};
  hodei_error err_{};
};

// "<what> failed with HODEI_ERR_IO: <plugin message>" ("(no message)" when the plugin wrote none).
inline std::string describe_failure(std::string_view what, int32_t status, const ErrorBuffer &err) {
  std::string message = err.message();
  if (message.empty()) message = "(no message)";
  return std::string(what) + " failed with " + describe_status(status) + ": " + message;
}

// Throws PluginCallError for a failed call. An unknown status is reported as HODEI_ERR_INTERNAL (abi.h).
[[noreturn]] inline void throw_call_error(std::string_view what, int32_t status, const ErrorBuffer &err) {
  throw PluginCallError(is_known_status(status) ? status : HODEI_ERR_INTERNAL, describe_failure(what, status, err));
}

} // namespace hodei::plugins
