#include "config_diff.hpp"

#include <functional>
#include <nlohmann/json.hpp>

namespace hodei::config {

namespace {

struct KeyRule {
  const char *key;
  bool live;
  bool secret;
  std::function<nlohmann::json(const WorkerConfig &)> value;
};

nlohmann::json paths(const std::vector<std::filesystem::path> &list) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto &p : list) out.push_back(p.string());
  return out;
}

// The one list of keys: adding a config key means adding it here (the diff test checks a few of each kind).
const std::vector<KeyRule> &rules() {
  static const std::vector<KeyRule> list{
      {"logs.level", true, false, [](const WorkerConfig &c) { return c.logs.level; }},
      {"logs.format", true, false, [](const WorkerConfig &c) { return c.logs.format; }},
      {"worker.labels", true, false, [](const WorkerConfig &c) { return nlohmann::json(c.worker.labels); }},
      {"worker.max_concurrent_jobs", true, false, [](const WorkerConfig &c) { return c.worker.max_concurrent_jobs; }},
      {"worker.drain_timeout_seconds", true, false,
       [](const WorkerConfig &c) { return c.worker.drain_timeout.count(); }},
      {"plugins.dirs", true, false, [](const WorkerConfig &c) { return paths(c.plugins.dirs); }},
      {"worker.name", false, false, [](const WorkerConfig &c) { return c.worker.name; }},
      {"worker.data_dir", false, false, [](const WorkerConfig &c) { return c.worker.data_dir.string(); }},
      {"server.address", false, false, [](const WorkerConfig &c) { return c.server.address; }},
      {"server.token", false, true, [](const WorkerConfig &c) { return c.server.token; }},
      {"server.token_file", false, false, [](const WorkerConfig &c) { return c.server.token_file; }},
      {"server.plaintext", false, false, [](const WorkerConfig &c) { return c.server.plaintext; }},
      {"server.tls.enabled", false, false, [](const WorkerConfig &c) { return c.server.tls.enabled; }},
      {"server.tls.ca_file", false, false, [](const WorkerConfig &c) { return c.server.tls.ca_file; }},
      {"server.tls.cert_file", false, false, [](const WorkerConfig &c) { return c.server.tls.cert_file; }},
      {"server.tls.key_file", false, false, [](const WorkerConfig &c) { return c.server.tls.key_file; }},
      {"server.tls.server_name", false, false, [](const WorkerConfig &c) { return c.server.tls.server_name; }},
      {"server.reconnect_initial_backoff_ms", false, false,
       [](const WorkerConfig &c) { return c.server.reconnect_initial_backoff.count(); }},
      {"server.reconnect_max_backoff_ms", false, false,
       [](const WorkerConfig &c) { return c.server.reconnect_max_backoff.count(); }},
      {"plugins.allow_insecure", false, false, [](const WorkerConfig &c) { return c.plugins.allow_insecure; }},
      {"plugins.config", false, false, [](const WorkerConfig &c) { return nlohmann::json(c.plugins.configs); }},
      {"logs.spool_quota_bytes", false, false, [](const WorkerConfig &c) { return c.logs.spool_quota_bytes; }},
      {"logs.memory_buffer_bytes", false, false, [](const WorkerConfig &c) { return c.logs.memory_buffer_bytes; }},
      {"artifacts.cache_quota_bytes", false, false,
       [](const WorkerConfig &c) { return c.artifacts.cache_quota_bytes; }},
      {"artifacts.parallel_transfers", false, false,
       [](const WorkerConfig &c) { return c.artifacts.parallel_transfers; }},
      {"artifacts.link_mode", false, false, [](const WorkerConfig &c) { return c.artifacts.link_mode; }},
      {"metrics.listen", false, false, [](const WorkerConfig &c) { return c.metrics.listen; }},
      {"admin.socket", false, false, [](const WorkerConfig &c) { return c.admin.socket.string(); }},
  };
  return list;
}

} // namespace

std::vector<ConfigChange> diff_configs(const WorkerConfig &running, const WorkerConfig &reloaded) {
  std::vector<ConfigChange> changes;
  for (const KeyRule &rule : rules()) {
    const nlohmann::json before = rule.value(running);
    const nlohmann::json after = rule.value(reloaded);
    if (before == after) continue;
    changes.push_back(
        {rule.key, rule.secret ? "(hidden)" : before.dump(), rule.secret ? "(hidden)" : after.dump(), rule.live});
  }
  return changes;
}

WorkerConfig with_live_keys(const WorkerConfig &running, const WorkerConfig &reloaded) {
  WorkerConfig out = running;
  out.logs.level = reloaded.logs.level;
  out.logs.format = reloaded.logs.format;
  out.worker.labels = reloaded.worker.labels;
  out.worker.max_concurrent_jobs = reloaded.worker.max_concurrent_jobs;
  out.worker.drain_timeout = reloaded.worker.drain_timeout;
  out.plugins.dirs = reloaded.plugins.dirs;
  return out;
}

} // namespace hodei::config
