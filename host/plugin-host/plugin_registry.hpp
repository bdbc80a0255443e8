// Scans plugin folders, loads and validates each shared library, and hands out executor and artifact-backend
// handles. A refused file never affects the other plugins. Libraries are never unloaded while the process runs
// (handles keep their plugin alive), so nothing created by a plugin can outlive its code. Thread-safe: rescan() may
// run while jobs look up executors and backends.
#pragma once

#include "artifact_backend_handle.hpp"
#include "executor_handle.hpp"
#include "plugin_info.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace hodei::plugins {

struct RegistryOptions {
  std::vector<std::filesystem::path> plugin_dirs;
  // Development only: accept plugin files/folders writable by group or others.
  bool allow_insecure_permissions = false;
  // Host settings plugins can read through hodei_host_services.config_get ("worker.id", "worker.data_dir"...).
  std::map<std::string, std::string> host_settings;
  // Per-plugin config objects as JSON text, keyed by plugin id or short name; "{}" when absent.
  std::map<std::string, std::string> plugin_configs;
};

// What a rescan did. Loaded code is never replaced: a file that changed or vanished keeps its loaded version
// (running and future jobs use it) until the process restarts, and so does a new file with an id already loaded
// (refused as a duplicate).
struct RescanResult {
  std::vector<PluginInfo> loaded;        // new plugins, now usable
  std::vector<Refusal> refusals;         // every file refused by this scan
  std::vector<std::string> kept_changed; // loaded files that changed on disk since they were loaded
  std::vector<std::string> kept_removed; // loaded files that are gone (or whose folder is no longer configured)
};

class PluginRegistry {
public:
  explicit PluginRegistry(RegistryOptions options); // scans at once
  ~PluginRegistry();
  PluginRegistry(const PluginRegistry &) = delete;
  PluginRegistry &operator=(const PluginRegistry &) = delete;

  [[nodiscard]] std::vector<PluginInfo> plugins() const;
  [[nodiscard]] std::vector<Refusal> refusals() const; // of the latest scan

  // Scans `plugin_dirs` again and loads the plugin files not loaded yet (new plugins get `plugin_configs`).
  RescanResult rescan(std::vector<std::filesystem::path> plugin_dirs,
                      std::map<std::string, std::string> plugin_configs);

  // By full id or short name. nullptr when no executor has that name; throws std::runtime_error when a short name
  // is ambiguous (the message lists the candidate ids).
  [[nodiscard]] std::shared_ptr<ExecutorHandle> executor(const std::string &name) const;
  [[nodiscard]] std::shared_ptr<ArtifactBackendHandle> backend_for_scheme(const std::string &scheme) const;
  // Short names of every loaded executor (what a job's "executor" and its option objects may be called).
  [[nodiscard]] std::vector<std::string> executor_names() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace hodei::plugins
