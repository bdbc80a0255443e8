// Options every hodei-worker subcommand shares, and the plugin registry built from them.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace hodei::plugins {
class PluginRegistry;
}

namespace hodei::cli {

struct GlobalOptions {
  std::vector<std::string> plugin_dirs; // empty = default_plugin_dirs()
  bool allow_insecure_plugins = false;
  std::string log_level = "warn";
  std::string log_format = "text";
};

std::unique_ptr<plugins::PluginRegistry> make_registry(const GlobalOptions &options);

} // namespace hodei::cli
