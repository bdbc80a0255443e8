#include "plugin_registry.hpp"

#include "artifact_backend_handle_impl.hpp"
#include "descriptor_validation.hpp"
#include "executor_handle_impl.hpp"
#include "host_services.hpp"
#include "loaded_plugin.hpp"
#include "permissions.hpp"
#include "plugin_call.hpp"
#include "plugin_loader.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <stdexcept>
#include <sys/stat.h>
#include <system_error>
#include <utility>

namespace hodei::plugins {

namespace fs = std::filesystem;

namespace {
// Why `text` is not a JSON object ("it is an array", or the parser's message), or nullopt.
std::optional<std::string> json_object_problem(const std::string &text) {
  try {
    const nlohmann::json parsed = nlohmann::json::parse(text);
    if (parsed.is_object()) return std::nullopt;
    return std::string("it is ") + (parsed.is_array() ? "an " : "a ") + parsed.type_name();
  } catch (const nlohmann::json::exception &e) {
    return std::string(e.what());
  }
}
} // namespace

namespace {
// What a loaded file looked like when it was loaded, to tell a later rescan whether it changed on disk.
struct FileIdentity {
  dev_t device = 0;
  ino_t inode = 0;
  int64_t mtime_ns = 0;
  off_t size = 0;
  bool operator==(const FileIdentity &) const = default;
};

std::optional<FileIdentity> identity_of(const fs::path &file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return std::nullopt;
  return FileIdentity{st.st_dev, st.st_ino, int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec, st.st_size};
}
} // namespace

struct PluginRegistry::Impl {
  // Guards everything below (the constructor scans before anyone else can see the registry). Held while a rescan
  // loads new plugins, so a lookup may wait for a plugin's init.
  mutable std::mutex mutex;
  RegistryOptions options;
  std::map<std::string, std::optional<FileIdentity>> loaded_files; // by path as scanned
  std::vector<std::shared_ptr<LoadedPlugin>> plugins;              // load order
  std::vector<Refusal> refusals;
  std::vector<std::shared_ptr<ExecutorHandle>> executors;                 // load order
  std::map<std::string, std::shared_ptr<ArtifactBackendHandle>> backends; // by URI scheme

  void scan(const fs::path &configured);
  void load(const fs::path &file);
  void refuse(const fs::path &file, std::string reason);
  [[nodiscard]] std::optional<std::string> check_unique(const PluginInfo &info) const;
  [[nodiscard]] std::pair<std::string, std::string> config_for(const PluginInfo &info) const;
  void adopt(const std::shared_ptr<LoadedPlugin> &plugin);
};

void PluginRegistry::Impl::refuse(const fs::path &file, std::string reason) {
  // debug only: presenting refusals is the caller's choice (the CLI warns about each one itself).
  spdlog::debug("refused plugin {}: {}", file.string(), reason);
  refusals.push_back({file.string(), std::move(reason)});
}

void PluginRegistry::Impl::scan(const fs::path &configured) {
  if (configured.empty()) {
    refuse(configured, "plugin folder path is empty");
    return;
  }
  const fs::path dir = fs::absolute(configured).lexically_normal();
  std::error_code ec;
  const fs::file_status status = fs::status(dir, ec);
  if (!fs::exists(status)) {
    refuse(dir, "plugin folder does not exist");
    return;
  }
  if (!fs::is_directory(status)) {
    refuse(dir, "plugin folder is not a directory");
    return;
  }
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".so") files.push_back(it->path());
  }
  if (ec) {
    refuse(dir, "cannot read the plugin folder: " + ec.message());
    return;
  }
  std::sort(files.begin(), files.end()); // deterministic: the first of two duplicate ids wins
  for (const fs::path &file : files) {
    if (loaded_files.count(file.string()) > 0) continue; // loaded before: its code stays as it was (rescan)
    if (fs::is_regular_file(file, ec)) {
      load(file);
    } else if (fs::is_symlink(file, ec)) {
      refuse(file, "the symlink does not resolve to a file");
    } else {
      refuse(file, "not a regular file");
    }
  }
}

std::optional<std::string> PluginRegistry::Impl::check_unique(const PluginInfo &info) const {
  for (const auto &loaded : plugins) {
    if (loaded->info().id == info.id) {
      return "duplicate plugin id \"" + info.id + "\": already loaded from " + loaded->info().file;
    }
  }
  for (const std::string &scheme : info.uri_schemes) {
    if (const auto it = backends.find(scheme); it != backends.end()) {
      return "URI scheme \"" + scheme + "\" is already handled by " + it->second->info().id + " (" +
             it->second->info().file + ")";
    }
  }
  return std::nullopt;
}

std::pair<std::string, std::string> PluginRegistry::Impl::config_for(const PluginInfo &info) const {
  for (const std::string &key : {info.id, info.short_name}) {
    if (const auto it = options.plugin_configs.find(key); it != options.plugin_configs.end()) return *it;
  }
  return {"", "{}"};
}

void PluginRegistry::Impl::adopt(const std::shared_ptr<LoadedPlugin> &plugin) {
  plugins.push_back(plugin);
  loaded_files[plugin->info().file] = identity_of(plugin->info().file);
  if (plugin->executor != nullptr) executors.push_back(make_executor_handle(plugin));
  if (plugin->backend != nullptr) {
    const auto handle = make_artifact_backend_handle(plugin);
    for (const std::string &scheme : plugin->info().uri_schemes) backends.emplace(scheme, handle);
  }
  const PluginInfo &info = plugin->info();
  spdlog::debug("loaded plugin {} {} (ABI {}.{}) from {}", info.id, info.version, info.abi_major, info.abi_minor,
                info.file);
}

void PluginRegistry::Impl::load(const fs::path &file) {
  if (!options.allow_insecure_permissions) {
    if (auto problem = check_permissions(file)) return refuse(file, std::move(*problem));
  }
  OpenedPlugin opened = open_plugin(file);
  if (!opened.library) return refuse(file, std::move(opened.refusal));
  const hodei_plugin &entry = opened.library->entry();

  PluginInfo info;
  if (auto problem = validate_descriptor(entry.descriptor, info)) return refuse(file, *problem);
  info.file = file.string();
  info.abi_major = entry.abi_major;
  info.abi_minor = entry.abi_minor;
  if (auto problem = check_unique(info)) return refuse(file, *problem);

  const auto [config_key, config] = config_for(info);
  if (auto problem = json_object_problem(config)) {
    return refuse(file, "the config given for \"" + config_key + "\" is not a JSON object: " + *problem);
  }

  // Up to here nothing of the plugin ran but its entry function, so a refusal above unloads it (opened goes out
  // of scope). From init on, the library stays loaded until the process ends, whatever happens next.
  opened.library->retain_forever();
  auto host = std::make_unique<HostServices>(info.id, options.host_settings);
  void *ctx = nullptr;
  ErrorBuffer err;
  const hodei_status status = entry.init(host->c_struct(), config.c_str(), &ctx, err.get());
  if (status != HODEI_OK) {
    // deinit is not called after a failed init; a misbehaving plugin may still hold the host pointer.
    retain_for_process_lifetime(std::shared_ptr<const HostServices>(std::move(host)));
    return refuse(file, describe_failure("init", status, err));
  }
  // From here a refusal drops `plugin`, whose destructor calls deinit.
  auto plugin = std::make_shared<LoadedPlugin>(info, entry, std::move(host), ctx);
  if ((info.kinds & HODEI_KIND_EXECUTOR) != 0) {
    const auto *table = static_cast<const hodei_executor_v1 *>(plugin->get_interface(HODEI_EXECUTOR_INTERFACE_V1));
    if (auto problem = validate_executor_table(table, info.capabilities)) return refuse(file, *problem);
    plugin->executor = table;
  }
  if ((info.kinds & HODEI_KIND_ARTIFACT_BACKEND) != 0) {
    const auto *table =
        static_cast<const hodei_artifact_backend_v1 *>(plugin->get_interface(HODEI_ARTIFACT_BACKEND_INTERFACE_V1));
    if (auto problem = validate_backend_table(table, info.capabilities)) return refuse(file, *problem);
    plugin->backend = table;
  }
  adopt(plugin);
}

PluginRegistry::PluginRegistry(RegistryOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  for (const fs::path &dir : impl_->options.plugin_dirs) impl_->scan(dir);
}

// Handles go first, then the plugins in reverse load order. A plugin's deinit runs when its LoadedPlugin goes, i.e.
// here if nobody else holds a handle or a job of it, otherwise when the last of those is released.
PluginRegistry::~PluginRegistry() {
  impl_->executors.clear();
  impl_->backends.clear();
  while (!impl_->plugins.empty()) impl_->plugins.pop_back();
}

RescanResult PluginRegistry::rescan(std::vector<fs::path> plugin_dirs,
                                    std::map<std::string, std::string> plugin_configs) {
  const std::lock_guard lock(impl_->mutex);
  const size_t before = impl_->plugins.size();
  impl_->options.plugin_dirs = std::move(plugin_dirs);
  impl_->options.plugin_configs = std::move(plugin_configs);
  impl_->refusals.clear();
  for (const fs::path &dir : impl_->options.plugin_dirs) impl_->scan(dir);
  RescanResult result;
  for (size_t i = before; i < impl_->plugins.size(); ++i) result.loaded.push_back(impl_->plugins[i]->info());
  result.refusals = impl_->refusals;
  std::vector<fs::path> dirs;
  for (const fs::path &dir : impl_->options.plugin_dirs) dirs.push_back(fs::absolute(dir).lexically_normal());
  for (const auto &[file, identity] : impl_->loaded_files) {
    const bool configured = std::find(dirs.begin(), dirs.end(), fs::path(file).parent_path()) != dirs.end();
    const std::optional<FileIdentity> now = identity_of(file);
    if (!now || !configured) {
      result.kept_removed.push_back(file);
    } else if (now != identity) {
      result.kept_changed.push_back(file);
    }
  }
  return result;
}

std::vector<PluginInfo> PluginRegistry::plugins() const {
  const std::lock_guard lock(impl_->mutex);
  std::vector<PluginInfo> out;
  out.reserve(impl_->plugins.size());
  for (const auto &plugin : impl_->plugins) out.push_back(plugin->info());
  return out;
}

std::vector<Refusal> PluginRegistry::refusals() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->refusals;
}

std::shared_ptr<ExecutorHandle> PluginRegistry::executor(const std::string &name) const {
  const std::lock_guard lock(impl_->mutex);
  std::vector<std::shared_ptr<ExecutorHandle>> matches;
  for (const auto &handle : impl_->executors) {
    if (handle->info().id == name) return handle;
    if (handle->info().short_name == name) matches.push_back(handle);
  }
  if (matches.empty()) return nullptr;
  if (matches.size() == 1) return matches.front();
  std::string ids;
  for (const auto &handle : matches) ids += (ids.empty() ? "" : ", ") + handle->info().id;
  throw std::runtime_error("executor name \"" + name + "\" is ambiguous: it matches " + ids + "; use the full id");
}

std::shared_ptr<ArtifactBackendHandle> PluginRegistry::backend_for_scheme(const std::string &scheme) const {
  std::string lower = scheme;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::lock_guard lock(impl_->mutex);
  const auto it = impl_->backends.find(lower);
  return it == impl_->backends.end() ? nullptr : it->second;
}

std::vector<std::string> PluginRegistry::executor_names() const {
  const std::lock_guard lock(impl_->mutex);
  std::vector<std::string> names;
  for (const auto &handle : impl_->executors) names.push_back(handle->info().short_name);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

} // namespace hodei::plugins
