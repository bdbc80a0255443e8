#include "loaded_plugin.hpp"

#include <spdlog/spdlog.h>
#include <utility>

namespace hodei::plugins {

LoadedPlugin::LoadedPlugin(PluginInfo info, const hodei_plugin &entry, std::unique_ptr<HostServices> host,
                           void *ctx) noexcept
    : info_(std::move(info)), entry_(entry), host_(std::move(host)), ctx_(ctx) {}

LoadedPlugin::~LoadedPlugin() {
  entry_.deinit(ctx_);
  try {
    spdlog::debug("plugin {}: deinit done", info_.id);
  } catch (...) { // a destructor never throws
  }
}

const void *LoadedPlugin::get_interface(const char *interface_id) const noexcept {
  return entry_.get_interface(ctx_, interface_id);
}

} // namespace hodei::plugins
