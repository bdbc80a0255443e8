// The hodei_host_services a plugin gets at init: one per plugin instance, owned by the host, alive until the
// plugin's deinit returned (the LoadedPlugin owns it).
#pragma once

#include <hodei/abi.h>
#include <map>
#include <string>

namespace hodei::plugins {

class HostServices {
public:
  // `plugin_id` prefixes every log line of the plugin; `settings` answer config_get.
  HostServices(std::string plugin_id, std::map<std::string, std::string> settings);
  HostServices(const HostServices &) = delete;
  HostServices &operator=(const HostServices &) = delete;

  [[nodiscard]] const hodei_host_services *c_struct() const noexcept { return &services_; }

private:
  static void log(void *host_ctx, int32_t level, const char *message) noexcept;
  static hodei_status config_get(void *host_ctx, const char *key, char *buf, size_t capacity, size_t *out_len) noexcept;
  static const void *get_extension(void *host_ctx, const char *extension_id) noexcept;

  std::string plugin_id_;
  std::map<std::string, std::string> settings_; // never modified after construction: safe from any thread
  hodei_host_services services_{};
};

} // namespace hodei::plugins
