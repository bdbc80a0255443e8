#include "serve_reload.hpp"

#include "agent/agent.hpp"
#include "logging.hpp"
#include "plugin-host/plugin_registry.hpp"
#include "plugin_dirs.hpp"

#include <spdlog/spdlog.h>

namespace hodei::cli {

config::WorkerConfig serve_effective_config(config::WorkerConfig config, const GlobalOptions &global,
                                            const ServeCommandOptions &options) {
  if (!options.server.empty()) config.server.address = options.server;
  if (!options.token_file.empty()) {
    config.server.token_file = options.token_file;
    config.server.token.clear();
  }
  if (options.plaintext) config.server.plaintext = true;
  if (options.max_jobs) config.worker.max_concurrent_jobs = *options.max_jobs;
  if (!options.data_dir.empty()) config.worker.data_dir = options.data_dir;
  if (!options.name.empty()) config.worker.name = options.name;
  if (global.log_level_flag) config.logs.level = global.log_level;
  if (global.log_format_flag) config.logs.format = global.log_format;
  if (global.plugin_dirs_flag) config.plugins.dirs.assign(global.plugin_dirs.begin(), global.plugin_dirs.end());
  config.plugins.allow_insecure = config.plugins.allow_insecure || global.allow_insecure_plugins;
  if (config.worker.data_dir.empty()) config.worker.data_dir = default_service_data_dir();
  return config;
}

std::vector<std::filesystem::path> serve_plugin_dirs(const config::WorkerConfig &config) {
  return config.plugins.dirs.empty() ? default_plugin_dirs() : config.plugins.dirs;
}

nlohmann::json ReloadReport::to_json() const {
  nlohmann::json changed = nlohmann::json::array();
  nlohmann::json restart = nlohmann::json::array();
  for (const config::ConfigChange &c : changes) (c.live ? changed : restart).push_back(c.key);
  nlohmann::json out = {
      {"applied", ok}, {"changed", changed}, {"needs_restart", restart}, {"plugins_loaded", plugins_loaded}};
  if (!ok) out["error"] = error;
  return out;
}

ServeReloader::ServeReloader(GlobalOptions global, ServeCommandOptions options, config::WorkerConfig running,
                             plugins::PluginRegistry &registry, agent::Agent &agent)
    : global_(std::move(global)), options_(std::move(options)), registry_(registry), agent_(agent),
      running_(std::move(running)), thread_([this] { background_loop(); }) {}

ServeReloader::~ServeReloader() {
  {
    const std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  thread_.join();
}

void ServeReloader::reload_in_background(const std::string &trigger) {
  {
    const std::lock_guard lock(queue_mutex_);
    pending_ = trigger;
  }
  queue_cv_.notify_all();
}

void ServeReloader::background_loop() {
  for (;;) {
    std::string trigger;
    {
      std::unique_lock lock(queue_mutex_);
      queue_cv_.wait(lock, [&] { return stopping_ || pending_.has_value(); });
      if (stopping_) return;
      trigger = std::move(*pending_);
      pending_.reset();
    }
    (void)reload(trigger);
  }
}

ReloadReport ServeReloader::reload(const std::string &trigger) {
  const std::lock_guard lock(mutex_);
  ReloadReport report;
  config::WorkerConfig reloaded = running_;
  if (global_.config_file.empty()) {
    spdlog::info("reload ({}): no config file (--config) to re-read; rescanning the plugin folders", trigger);
  } else {
    spdlog::info("reload ({}): re-reading {}", trigger, global_.config_file);
    try {
      reloaded = serve_effective_config(config::load_worker_config(global_.config_file), global_, options_);
    } catch (const std::exception &e) { // ConfigError's message starts with the file name
      report.ok = false;
      report.error = e.what();
    }
    if (report.ok) {
      for (const std::string &problem : config::check_worker_config_for_serve(reloaded)) {
        report.ok = false;
        report.error += (report.error.empty() ? global_.config_file + ": " : "; ") + problem;
      }
    }
    if (!report.ok) {
      spdlog::error("reload: {} (the worker keeps running with its current config)", report.error);
      return report;
    }
  }
  report.changes = config::diff_configs(running_, reloaded);
  log_changes(report.changes);
  const config::WorkerConfig next = config::with_live_keys(running_, reloaded);
  try {
    reconfigure_logging(next.logs.level, next.logs.format == "json" ? LogFormat::json : LogFormat::text);
  } catch (const std::exception &e) {
    spdlog::error("reload: logs.level: {}", e.what()); // the parser already checked it: not expected
  }
  rescan_plugins(next, report);
  agent::LiveSettings live;
  live.labels = next.worker.labels;
  live.max_concurrent_jobs = next.worker.max_concurrent_jobs;
  live.drain_timeout = next.worker.drain_timeout;
  live.advertise = !report.plugins_loaded.empty() || next.worker.labels != running_.worker.labels ||
                   next.worker.max_concurrent_jobs != running_.worker.max_concurrent_jobs;
  agent_.apply_reload(live);
  running_ = next;
  spdlog::info("reload: done ({} key(s) changed, {} new plugin(s))", report.changes.size(),
               report.plugins_loaded.size());
  return report;
}

void ServeReloader::log_changes(const std::vector<config::ConfigChange> &changes) const {
  if (changes.empty()) spdlog::info("reload: no config key changed");
  for (const config::ConfigChange &c : changes) {
    if (c.live) {
      spdlog::info("reload: {} changed: {} -> {}", c.key, c.old_value, c.new_value);
    } else {
      spdlog::warn("reload: {} changed, needs a restart ({} -> {}; the worker keeps {} until then)", c.key, c.old_value,
                   c.new_value, c.old_value);
    }
  }
}

void ServeReloader::rescan_plugins(const config::WorkerConfig &config, ReloadReport &report) {
  const plugins::RescanResult result = registry_.rescan(serve_plugin_dirs(config), config.plugins.configs);
  for (const plugins::PluginInfo &info : result.loaded) {
    spdlog::info("reload: plugin {} {} loaded from {}", info.id, info.version, info.file);
    report.plugins_loaded.push_back(info.id + " " + info.version + " (" + info.file + ")");
  }
  for (const plugins::Refusal &r : result.refusals) spdlog::warn("plugin refused: {}: {}", r.file, r.reason);
  if (on_rescanned_) on_rescanned_(result.refusals.size());
  for (const std::string &file : result.kept_changed) {
    spdlog::warn("reload: plugin file {} changed on disk; the version loaded at start keeps running until a restart",
                 file);
  }
  for (const std::string &file : result.kept_removed) {
    spdlog::info("reload: plugin file {} is gone or no longer in a plugin folder; its loaded code stays until a "
                 "restart",
                 file);
  }
}

} // namespace hodei::cli
