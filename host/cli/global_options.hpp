// Options every hodei-worker subcommand shares, and the plugin registry built from them.
#pragma once

#include "config/worker_config.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace hodei::plugins {
class PluginRegistry;
}

namespace hodei::cli {

// After apply_config_file() these are the effective settings: command-line flags, else the config file, else the
// defaults below.
struct GlobalOptions {
  std::string config_file;              // --config
  config::WorkerConfig config;          // the file's contents (defaults when there is none)
  std::vector<std::string> plugin_dirs; // empty = default_plugin_dirs()
  bool allow_insecure_plugins = false;
  std::string log_level = "warn";
  std::string log_format = "text";
  bool log_level_flag = false; // given on the command line
  bool log_format_flag = false;
  bool plugin_dirs_flag = false; // --plugin-dir given: the config's plugins.dirs is ignored (also on reload)
};

// Loads --config (throws config::ConfigError) and fills what the flags left unset.
void apply_config_file(GlobalOptions &options);

std::unique_ptr<plugins::PluginRegistry> make_registry(const GlobalOptions &options);

// worker.data_dir from the config, else $XDG_CACHE_HOME/hodei or ~/.cache/hodei (a one-off `run` is cache-like):
// workspaces/, cache/, spool/.
std::filesystem::path effective_data_dir(const GlobalOptions &options);

// The default worker.data_dir of `serve`: /var/lib/hodei for root, else $XDG_DATA_HOME/hodei or
// ~/.local/share/hodei (docs/configuration.md).
std::filesystem::path default_service_data_dir();

// This machine's host name ("localhost" when it cannot be read): the default worker name and id.
std::string host_name();

} // namespace hodei::cli
