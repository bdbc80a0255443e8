// The worker's configuration file (docs/configuration.md): JSON with comments, every key optional with a default,
// unknown keys refused with the JSON path. Command-line flags override it.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace hodei::config {

struct TlsConfig {
  bool enabled = false;
  std::string ca_file;   // PEM bundle to verify the server; empty = system roots
  std::string cert_file; // client certificate for mutual TLS (with key_file)
  std::string key_file;
  std::string server_name; // overrides the name checked in the server's certificate
};

struct ServerConfig {
  std::string address;    // "host:port"; empty = no server (serve refuses to start)
  std::string token;      // bearer token; prefer token_file
  std::string token_file; // file holding the token (trailing newline ignored)
  bool plaintext = false; // must be said explicitly to talk without TLS
  TlsConfig tls;
  std::chrono::milliseconds reconnect_initial_backoff{500};
  std::chrono::milliseconds reconnect_max_backoff{30000};
  // HTTP/2 keepalive: a ping after this much time, the connection dropped when its answer takes longer than the
  // timeout. The only way a half-dead connection (a stalled network path, a frozen server) is noticed. Their sum
  // must stay well below the server's session lease (devserver: 30 s): heartbeats share the connection, so they only
  // get through again once the dead connection was noticed and replaced; a lease that expires first loses the jobs.
  std::chrono::milliseconds keepalive_time{10000};
  std::chrono::milliseconds keepalive_timeout{5000};
};

struct WorkerSection {
  std::string name;                          // default: host name
  std::map<std::string, std::string> labels; // advertised at registration, used by job selectors
  uint32_t max_concurrent_jobs = 1;
  std::filesystem::path data_dir; // workspaces, spool, cache; default ~/.local/share/hodei or /var/lib/hodei
  std::chrono::seconds drain_timeout{600};
};

struct PluginsConfig {
  std::vector<std::filesystem::path> dirs; // empty = the default plugin folder
  bool allow_insecure = false;
  std::map<std::string, std::string> configs; // per plugin id or short name: its config object as JSON text
};

struct LogsConfig {
  std::string level = "info";
  std::string format = "text";
  uint64_t spool_quota_bytes = uint64_t{1} << 30;   // disk spool for unacknowledged job logs
  uint64_t memory_buffer_bytes = uint64_t{8} << 20; // per job, before spilling to disk
};

struct ArtifactsConfig {
  uint64_t cache_quota_bytes = uint64_t{10} << 30;
  uint32_t parallel_transfers = 4;
  std::string link_mode = "hardlink"; // or "copy"
};

struct MetricsConfig {
  std::string listen; // "127.0.0.1:9464"; empty = no metrics endpoint
};

struct AdminConfig {
  std::filesystem::path socket; // the local admin socket of `serve`; empty = <data_dir>/admin.sock
};

struct WorkerConfig {
  WorkerSection worker;
  ServerConfig server;
  PluginsConfig plugins;
  LogsConfig logs;
  ArtifactsConfig artifacts;
  MetricsConfig metrics;
  AdminConfig admin;
};

// Bad config: what() is "<file>: <json path>: <problem>", path() the JSON path.
class ConfigError : public std::runtime_error {
public:
  ConfigError(const std::string &message, std::string path) : std::runtime_error(message), path_(std::move(path)) {}
  [[nodiscard]] const std::string &path() const noexcept { return path_; }

private:
  std::string path_;
};

WorkerConfig parse_worker_config(std::string_view json_text, const std::string &source_name);
WorkerConfig load_worker_config(const std::filesystem::path &file);

// Checks that go beyond the file's shape: token file readable, TLS files present, TLS or plaintext chosen.
// Returns the problems, each naming the key; empty = fine.
std::vector<std::string> check_worker_config_for_serve(const WorkerConfig &config);

} // namespace hodei::config
