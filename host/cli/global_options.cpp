#include "global_options.hpp"

#include "plugin-host/plugin_registry.hpp"
#include "plugin_dirs.hpp"
#include "version.hpp"

#include <cstdlib>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace hodei::cli {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

std::filesystem::path default_service_data_dir() {
  if (::geteuid() == 0) return "/var/lib/hodei";
  const char *xdg = std::getenv("XDG_DATA_HOME"); // NOLINT(concurrency-mt-unsafe): read before any thread starts
  if (xdg != nullptr && *xdg != '\0') return std::filesystem::path(xdg) / "hodei";
  const char *home = std::getenv("HOME"); // NOLINT(concurrency-mt-unsafe)
  if (home != nullptr && *home != '\0') return std::filesystem::path(home) / ".local" / "share" / "hodei";
  return std::filesystem::temp_directory_path() / ("hodei-" + std::to_string(::getuid()));
}

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

std::filesystem::path effective_data_dir(const GlobalOptions &options) {
  if (!options.config.worker.data_dir.empty()) return std::filesystem::absolute(options.config.worker.data_dir);
  const char *xdg = std::getenv("XDG_CACHE_HOME"); // NOLINT(concurrency-mt-unsafe): read before threads start
  if (xdg != nullptr && *xdg != '\0') return std::filesystem::path(xdg) / "hodei";
  const char *home = std::getenv("HOME"); // NOLINT(concurrency-mt-unsafe)
  if (home != nullptr && *home != '\0') return std::filesystem::path(home) / ".cache" / "hodei";
  return std::filesystem::temp_directory_path() / ("hodei-" + std::to_string(::getuid()));
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
  ro.host_settings["worker.data_dir"] = effective_data_dir(options).string();
  ro.plugin_configs = options.config.plugins.configs;
  auto registry = std::make_unique<plugins::PluginRegistry>(std::move(ro));
  for (const plugins::Refusal &r : registry->refusals()) spdlog::warn("plugin refused: {}: {}", r.file, r.reason);
  return registry;
}

} // namespace hodei::cli
