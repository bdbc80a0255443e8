// A devserver and a worker (`hodei-worker serve`) as real processes on a free loopback port, in a temp folder, and
// the devserver CLI to drive them.
#pragma once

#include "logged_process.hpp"
#include "subprocess.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace hodei::test {

inline const std::string kDevserverBin = HODEI_BINARY_DIR "/bin/hodei-devserver";
inline const std::string kWorkerBin = HODEI_BINARY_DIR "/bin/hodei-worker";
inline const std::string kToken = "agent-test-token-0123";

class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  [[nodiscard]] const std::filesystem::path &path() const noexcept { return path_; }

private:
  std::filesystem::path path_;
};

struct WorkerSetup {
  int max_jobs = 1;
  std::string token = kToken;
  std::string extra_config;  // more JSON members of the top-level object, e.g. "\"logs\": {...}"
  std::string server_config; // JSON members of "server" besides address/plaintext/backoff
  bool plaintext = true;
  bool wait_connected = true;
  int drain_timeout_seconds = 30;
  std::vector<std::string> env; // extra "NAME=value" for the worker process
  // Reload tests: what the flags set goes into the config file instead (flags win over the file on reload too).
  bool max_jobs_flag = true;  // false: worker.max_concurrent_jobs in the file
  bool log_level_flag = true; // false: no --log-level (the file's logs.level applies)
  std::string worker_config;  // more JSON members of "worker", e.g. "\"labels\": {\"pool\": \"a\"}"
  std::string plugin_dir;     // --plugin-dir; empty = the bundled plugins of the build
  std::string server_address; // where the worker connects, when not the server itself (e.g. a TcpProxy)
};

class Cluster {
public:
  Cluster();
  ~Cluster();

  // `hodei-devserver serve` on the cluster's port and data folder; waits for "listening".
  void start_server(const std::vector<std::string> &extra = {});
  void kill_server(); // SIGKILL and reap
  void start_worker(const WorkerSetup &setup = {});
  // (Re)writes the worker's config file as start_worker does; returns its path.
  std::filesystem::path write_worker_config(const WorkerSetup &setup) const;

  // The devserver CLI with --server and --token.
  ProcessResult cli(std::vector<std::string> args, std::chrono::milliseconds timeout = std::chrono::seconds(30),
                    bool tls_flags = false) const;
  // Writes a job spec file, returns its path.
  std::filesystem::path job_file(const std::string &name, const std::string &json) const;
  // Submits without following; returns the job id.
  std::string submit(const std::filesystem::path &file) const;
  // The job's state name in lowercase ("running", "succeeded", ...), from `show`.
  std::string state(const std::string &job_id) const;
  // Waits until the job's state is one of the terminal ones; returns it ("" on timeout).
  std::string wait_terminal(const std::string &job_id, std::chrono::milliseconds timeout) const;
  bool wait_state(const std::string &job_id, const std::string &state, std::chrono::milliseconds timeout) const;
  // The stored log file of a job's stream in the server's data folder.
  [[nodiscard]] std::filesystem::path stored_log(const std::string &job_id, const std::string &stream) const;
  // `stats` as name -> value.
  std::map<std::string, uint64_t> stats() const;
  // The worker id the worker persisted in its data folder.
  [[nodiscard]] std::string worker_id() const;

  TempDir dir;
  int port;
  std::string address;
  std::vector<std::string> server_flags; // reused by restarts
  std::vector<std::string> client_flags; // extra flags for the CLI (TLS)
  std::unique_ptr<LoggedProcess> server;
  std::unique_ptr<LoggedProcess> worker;
};

} // namespace hodei::test
