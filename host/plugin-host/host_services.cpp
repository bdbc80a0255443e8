#include "host_services.hpp"

#include <cstring>
#include <spdlog/spdlog.h>
#include <utility>

namespace hodei::plugins {

namespace {
spdlog::level::level_enum to_spdlog(int32_t level) noexcept {
  switch (level) {
  case HODEI_LOG_TRACE:
    return spdlog::level::trace;
  case HODEI_LOG_DEBUG:
    return spdlog::level::debug;
  case HODEI_LOG_INFO:
    return spdlog::level::info;
  case HODEI_LOG_WARN:
    return spdlog::level::warn;
  case HODEI_LOG_ERROR:
    return spdlog::level::err;
  default:
    return level < HODEI_LOG_TRACE ? spdlog::level::trace : spdlog::level::err;
  }
}
} // namespace

HostServices::HostServices(std::string plugin_id, std::map<std::string, std::string> settings)
    : plugin_id_(std::move(plugin_id)), settings_(std::move(settings)) {
  services_.struct_size = sizeof(hodei_host_services);
  services_.abi_major = HODEI_ABI_MAJOR;
  services_.abi_minor = HODEI_ABI_MINOR;
  services_.host_ctx = this;
  services_.log = &HostServices::log;
  services_.config_get = &HostServices::config_get;
  services_.get_extension = &HostServices::get_extension;
}

// Goes to whatever the default logger is at the time of the call, prefixed with the plugin id, so a host that
// installs its logger after loading plugins still gets their lines. "Never fails": every exception stays here.
void HostServices::log(void *host_ctx, int32_t level, const char *message) noexcept {
  try {
    const auto *self = static_cast<const HostServices *>(host_ctx);
    spdlog::default_logger()->log(to_spdlog(level), "[{}] {}", self->plugin_id_,
                                  message != nullptr ? message : "(null)");
  } catch (...) { // nothing may unwind into the plugin
  }
}

hodei_status HostServices::config_get(void *host_ctx, const char *key, char *buf, size_t capacity,
                                      size_t *out_len) noexcept {
  try {
    if (key == nullptr) return HODEI_ERR_INVALID_ARGUMENT;
    const auto *self = static_cast<const HostServices *>(host_ctx);
    const auto it = self->settings_.find(key);
    if (it == self->settings_.end()) return HODEI_ERR_NOT_FOUND;
    const std::string &value = it->second;
    if (out_len != nullptr) *out_len = value.size();
    // abi.h: too small (NUL included) -> RESOURCE_EXHAUSTED, *out_len = length needed, buf untouched.
    if (buf == nullptr || capacity < value.size() + 1) return HODEI_ERR_RESOURCE_EXHAUSTED;
    std::memcpy(buf, value.c_str(), value.size() + 1);
    return HODEI_OK;
  } catch (...) {
    return HODEI_ERR_INTERNAL;
  }
}

const void *HostServices::get_extension(void *, const char *) noexcept { return nullptr; } // none in ABI 1.0

} // namespace hodei::plugins
