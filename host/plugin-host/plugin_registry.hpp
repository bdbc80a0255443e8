// Scans plugin folders, loads and validates each shared library, and hands out executor and artifact-backend
// handles. A refused file never affects the other plugins. Libraries are never unloaded while the process runs
// (handles keep their plugin alive), so nothing created by a plugin can outlive its code.
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

class PluginRegistry {
public:
  explicit PluginRegistry(RegistryOptions options); // scans at once
  ~PluginRegistry();
  PluginRegistry(const PluginRegistry &) = delete;
  PluginRegistry &operator=(const PluginRegistry &) = delete;

  [[nodiscard]] std::vector<PluginInfo> plugins() const;
  [[nodiscard]] std::vector<Refusal> refusals() const;

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
