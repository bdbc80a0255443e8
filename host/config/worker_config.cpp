#include "worker_config.hpp"

#include "job/json_document.hpp"
#include "job/json_reader.hpp"

#include <fstream>
#include <sstream>

namespace hodei::config {

namespace {

using job::JsonReader;

constexpr int64_t max_millis = 24LL * 3600 * 1000;

std::map<std::string, std::string> string_map(const JsonReader &r) {
  r.expect_object();
  std::map<std::string, std::string> out;
  for (const auto &[key, value] : r.members()) out[key] = value.string();
  return out;
}

void read_worker(const JsonReader &r, WorkerSection &w) {
  r.reject_unknown_keys({"name", "labels", "max_concurrent_jobs", "data_dir", "drain_timeout_seconds"});
  if (auto v = r.optional("name")) w.name = v->non_empty_string(253);
  if (auto v = r.optional("labels")) w.labels = string_map(*v);
  if (auto v = r.optional("max_concurrent_jobs")) w.max_concurrent_jobs = static_cast<uint32_t>(v->integer(1, 1024));
  if (auto v = r.optional("data_dir")) w.data_dir = v->non_empty_string();
  if (auto v = r.optional("drain_timeout_seconds"))
    w.drain_timeout = std::chrono::seconds(v->integer(0, int64_t{7} * 86400));
}

void read_tls(const JsonReader &r, TlsConfig &t) {
  r.reject_unknown_keys({"enabled", "ca_file", "cert_file", "key_file", "server_name"});
  if (auto v = r.optional("enabled")) t.enabled = v->boolean();
  if (auto v = r.optional("ca_file")) t.ca_file = v->non_empty_string();
  if (auto v = r.optional("cert_file")) t.cert_file = v->non_empty_string();
  if (auto v = r.optional("key_file")) t.key_file = v->non_empty_string();
  if (auto v = r.optional("server_name")) t.server_name = v->non_empty_string();
  if (t.cert_file.empty() != t.key_file.empty()) {
    r.fail("cert_file and key_file go together (mutual TLS needs both)");
  }
}

void read_server(const JsonReader &r, ServerConfig &s) {
  r.reject_unknown_keys({"address", "token", "token_file", "plaintext", "tls", "reconnect_initial_backoff_ms",
                         "reconnect_max_backoff_ms", "keepalive_time_ms", "keepalive_timeout_ms"});
  if (auto v = r.optional("address")) s.address = v->non_empty_string();
  if (auto v = r.optional("token")) s.token = v->non_empty_string();
  if (auto v = r.optional("token_file")) s.token_file = v->non_empty_string();
  if (auto v = r.optional("plaintext")) s.plaintext = v->boolean();
  if (auto v = r.optional("tls")) read_tls(*v, s.tls);
  if (auto v = r.optional("reconnect_initial_backoff_ms")) {
    s.reconnect_initial_backoff = std::chrono::milliseconds(v->integer(1, max_millis));
  }
  if (auto v = r.optional("reconnect_max_backoff_ms")) {
    s.reconnect_max_backoff = std::chrono::milliseconds(v->integer(1, max_millis));
  }
  if (auto v = r.optional("keepalive_time_ms"))
    s.keepalive_time = std::chrono::milliseconds(v->integer(1000, max_millis));
  if (auto v = r.optional("keepalive_timeout_ms")) {
    s.keepalive_timeout = std::chrono::milliseconds(v->integer(1000, max_millis));
  }
  if (!s.token.empty() && !s.token_file.empty()) r.fail("set token or token_file, not both");
  if (s.plaintext && s.tls.enabled) r.fail("plaintext and tls.enabled contradict each other");
  if (s.reconnect_max_backoff < s.reconnect_initial_backoff) {
    r.fail("reconnect_max_backoff_ms must not be smaller than reconnect_initial_backoff_ms");
  }
}

void read_plugins(const JsonReader &r, PluginsConfig &p) {
  r.reject_unknown_keys({"dirs", "allow_insecure", "config"});
  if (auto v = r.optional("dirs")) {
    for (const JsonReader &d : v->elements()) p.dirs.emplace_back(d.non_empty_string());
  }
  if (auto v = r.optional("allow_insecure")) p.allow_insecure = v->boolean();
  if (auto v = r.optional("config")) {
    v->expect_object();
    for (const auto &[id, cfg] : v->members()) {
      cfg.expect_object();
      p.configs[id] = cfg.compact_text();
    }
  }
}

void read_logs(const JsonReader &r, LogsConfig &l) {
  r.reject_unknown_keys({"level", "format", "spool_quota_bytes", "memory_buffer_bytes"});
  if (auto v = r.optional("level")) l.level = v->one_of({"trace", "debug", "info", "warn", "error", "critical", "off"});
  if (auto v = r.optional("format")) l.format = v->one_of({"text", "json"});
  if (auto v = r.optional("spool_quota_bytes")) l.spool_quota_bytes = static_cast<uint64_t>(v->integer(0, INT64_MAX));
  if (auto v = r.optional("memory_buffer_bytes")) {
    l.memory_buffer_bytes = static_cast<uint64_t>(v->integer(int64_t{64} * 1024, int64_t{1} << 34));
  }
}

void read_artifacts(const JsonReader &r, ArtifactsConfig &a) {
  r.reject_unknown_keys({"cache_quota_bytes", "parallel_transfers", "link_mode"});
  if (auto v = r.optional("cache_quota_bytes")) a.cache_quota_bytes = static_cast<uint64_t>(v->integer(0, INT64_MAX));
  if (auto v = r.optional("parallel_transfers")) a.parallel_transfers = static_cast<uint32_t>(v->integer(1, 64));
  if (auto v = r.optional("link_mode")) a.link_mode = v->one_of({"hardlink", "copy"});
}

void read_metrics(const JsonReader &r, MetricsConfig &m) {
  r.reject_unknown_keys({"listen"});
  if (auto v = r.optional("listen")) m.listen = v->non_empty_string();
}

void read_admin(const JsonReader &r, AdminConfig &a) {
  r.reject_unknown_keys({"socket"});
  if (auto v = r.optional("socket")) a.socket = v->non_empty_string(107); // sun_path holds 107 characters
}

} // namespace

WorkerConfig parse_worker_config(std::string_view json_text, const std::string &source_name) {
  WorkerConfig config;
  try {
    const nlohmann::json doc = job::parse_json_document(json_text);
    const JsonReader root(doc);
    root.expect_object();
    root.reject_unknown_keys({"worker", "server", "plugins", "logs", "artifacts", "metrics", "admin"});
    if (auto v = root.optional("worker")) read_worker(*v, config.worker);
    if (auto v = root.optional("server")) read_server(*v, config.server);
    if (auto v = root.optional("plugins")) read_plugins(*v, config.plugins);
    if (auto v = root.optional("logs")) read_logs(*v, config.logs);
    if (auto v = root.optional("artifacts")) read_artifacts(*v, config.artifacts);
    if (auto v = root.optional("metrics")) read_metrics(*v, config.metrics);
    if (auto v = root.optional("admin")) read_admin(*v, config.admin);
  } catch (const job::JsonReadError &e) {
    throw ConfigError(job::format_json_error(source_name, e), e.path());
  }
  return config;
}

WorkerConfig load_worker_config(const std::filesystem::path &file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(file.string() + ": cannot read the config file", "");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_worker_config(text.str(), file.string());
}

std::vector<std::string> check_worker_config_for_serve(const WorkerConfig &config) {
  std::vector<std::string> problems;
  const ServerConfig &s = config.server;
  auto readable = [](const std::string &path) { return std::ifstream(path).good(); };
  if (s.address.empty()) problems.emplace_back("$.server.address: required to serve (host:port of the Hodei server)");
  if (!s.plaintext && !s.tls.enabled) {
    problems.emplace_back("$.server: choose tls.enabled: true, or plaintext: true explicitly");
  }
  if (!s.token_file.empty() && !readable(s.token_file)) {
    problems.push_back("$.server.token_file: cannot read '" + s.token_file + "'");
  }
  for (const auto &[key, path] : {std::pair{"ca_file", s.tls.ca_file}, std::pair{"cert_file", s.tls.cert_file},
                                  std::pair{"key_file", s.tls.key_file}}) {
    if (!path.empty() && !readable(path)) {
      problems.push_back(std::string("$.server.tls.") + key + ": cannot read '" + path + "'");
    }
  }
  return problems;
}

} // namespace hodei::config
