// One initialised plugin instance: its info, its init context and its interface tables. Shared by the registry and
// every handle and job created from it, so the instance lives until the last of them is gone; the destructor then
// calls deinit. The library itself is never unloaded (plugin_loader.cpp explains why).
#pragma once

#include "host_services.hpp"
#include "plugin_info.hpp"

#include <hodei/plugin_api.h>
#include <memory>

namespace hodei::plugins {

class LoadedPlugin {
public:
  // Takes over an instance whose init returned HODEI_OK with `ctx`.
  LoadedPlugin(PluginInfo info, const hodei_plugin &entry, std::unique_ptr<HostServices> host, void *ctx) noexcept;
  // deinit(ctx), then the host services go. Runs when the last handle/job is released: by then no call into the
  // plugin is running and every job was destroyed, as abi.h requires.
  ~LoadedPlugin();
  LoadedPlugin(const LoadedPlugin &) = delete;
  LoadedPlugin &operator=(const LoadedPlugin &) = delete;

  [[nodiscard]] const PluginInfo &info() const noexcept { return info_; }
  [[nodiscard]] void *ctx() const noexcept { return ctx_; }
  [[nodiscard]] const void *get_interface(const char *interface_id) const noexcept;

  // Validated tables, set by the registry after get_interface; NULL when the plugin is not of that kind.
  const hodei_executor_v1 *executor = nullptr;
  const hodei_artifact_backend_v1 *backend = nullptr;

private:
  PluginInfo info_;
  const hodei_plugin &entry_;
  std::unique_ptr<HostServices> host_;
  void *ctx_;
};

} // namespace hodei::plugins
