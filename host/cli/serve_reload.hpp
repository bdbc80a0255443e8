// `serve`'s effective config (the file with the command-line flags applied) and its reload (SIGHUP, the admin
// socket's "reload"): re-read the same file, re-apply the same flags, validate, log every changed key, apply the
// live ones to the agent and the logger, and rescan the plugin folders. docs/operations.md, "Reload".
#pragma once

#include "config/config_diff.hpp"
#include "global_options.hpp"
#include "serve_command.hpp"

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hodei::agent {
class Agent;
}
namespace hodei::plugins {
class PluginRegistry;
}

namespace hodei::cli {

// `file_config` with serve's flags and the global flags (--log-level, --log-format, --plugin-dir) applied, and
// worker.data_dir resolved: flags always win over the file, at start and on every reload.
config::WorkerConfig serve_effective_config(config::WorkerConfig file_config, const GlobalOptions &global,
                                            const ServeCommandOptions &options);

// plugins.dirs, or the default plugin folder when it is empty.
std::vector<std::filesystem::path> serve_plugin_dirs(const config::WorkerConfig &config);

struct ReloadReport {
  bool ok = true;
  std::string error; // why the file was not applied (names the file)
  std::vector<config::ConfigChange> changes;
  std::vector<std::string> plugins_loaded; // "id version (file)"
  [[nodiscard]] nlohmann::json to_json() const;
};

class ServeReloader {
public:
  // `running`: the effective config serve started with. The registry and agent outlive the reloader.
  ServeReloader(GlobalOptions global, ServeCommandOptions options, config::WorkerConfig running,
                plugins::PluginRegistry &registry, agent::Agent &agent);
  ~ServeReloader(); // waits for a reload in progress
  ServeReloader(const ServeReloader &) = delete;
  ServeReloader &operator=(const ServeReloader &) = delete;

  // Thread-safe (one reload at a time). Never throws for a bad file: the running config stays and the error is
  // logged and reported.
  ReloadReport reload(const std::string &trigger);
  // reload() on the reloader's own thread, so the caller (the signal thread: a SIGTERM must not wait behind a slow
  // plugin init) returns at once. Requests arriving during a reload are folded into one more reload.
  void reload_in_background(const std::string &trigger);
  // Called after every plugin rescan with the number of files refused by it (e.g. to count them in the metrics and
  // declare the new executors' series). Set before the first reload; called on the reloading thread.
  void on_rescanned(std::function<void(size_t refused)> callback) { on_rescanned_ = std::move(callback); }

private:
  void log_changes(const std::vector<config::ConfigChange> &changes) const;
  void rescan_plugins(const config::WorkerConfig &config, ReloadReport &report);
  void background_loop();

  GlobalOptions global_;
  ServeCommandOptions options_;
  plugins::PluginRegistry &registry_;
  agent::Agent &agent_;
  std::mutex mutex_; // one reload at a time
  config::WorkerConfig running_;

  std::mutex queue_mutex_;
  std::condition_variable queue_cv_;
  std::optional<std::string> pending_; // trigger of the next background reload
  bool stopping_ = false;
  std::function<void(size_t refused)> on_rescanned_;
  std::thread thread_;
};

} // namespace hodei::cli
