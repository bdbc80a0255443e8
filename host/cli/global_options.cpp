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

void apply_config_file(GlobalOptions &options) {
  if (options.config_file.empty()) return;
  options.config = config::load_worker_config(options.config_file);
  const config::WorkerConfig &c = options.config;
  if (options.plugin_dirs.empty()) {
    for (const auto &d : c.plugins.dirs) options.plugin_dirs.push_back(d.string());
  }
  options.allow_insecure_plugins = options.allow_insecure_plugins || c.plugins.allow_insecure;
  if (!options.log_level_flag) options.log_level = c.logs.level;
  if (!options.log_format_flag) options.log_format = c.logs.format;
}

std::unique_ptr<plugins::PluginRegistry> make_registry(const GlobalOptions &options) {
  plugins::RegistryOptions ro;
  if (options.plugin_dirs.empty()) {
    ro.plugin_dirs = default_plugin_dirs();
  } else {
    ro.plugin_dirs.assign(options.plugin_dirs.begin(), options.plugin_dirs.end());
  }
  ro.allow_insecure_permissions = options.allow_insecure_plugins;
  const std::string name = options.config.worker.name.empty() ? host_name() : options.config.worker.name;
  ro.host_settings = {{"worker.name", name}, {"worker.id", name}, {"worker.version", version}};
  if (!options.config.worker.data_dir.empty()) ro.host_settings["worker.data_dir"] = options.config.worker.data_dir;
  ro.plugin_configs = options.config.plugins.configs;
  auto registry = std::make_unique<plugins::PluginRegistry>(std::move(ro));
  for (const plugins::Refusal &r : registry->refusals()) spdlog::warn("plugin refused: {}: {}", r.file, r.reason);
  return registry;
}

} // namespace hodei::cli
