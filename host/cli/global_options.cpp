#include "global_options.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "plugin-host/plugin_registry.hpp"
#include "plugin_dirs.hpp"
#include "version.hpp"

namespace hodei::cli {

namespace {
std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}
} // namespace

std::unique_ptr<plugins::PluginRegistry> make_registry(const GlobalOptions &options) {
  plugins::RegistryOptions ro;
  if (options.plugin_dirs.empty()) {
    ro.plugin_dirs = default_plugin_dirs();
  } else {
    ro.plugin_dirs.assign(options.plugin_dirs.begin(), options.plugin_dirs.end());
  }
  ro.allow_insecure_permissions = options.allow_insecure_plugins;
  ro.host_settings = {{"worker.name", host_name()}, {"worker.id", host_name()}, {"worker.version", version}};
  auto registry = std::make_unique<plugins::PluginRegistry>(std::move(ro));
  for (const plugins::Refusal &r : registry->refusals()) spdlog::warn("plugin refused: {}: {}", r.file, r.reason);
  return registry;
}

} // namespace hodei::cli
