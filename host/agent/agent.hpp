// `hodei-worker serve`: the worker agent. Registers with the control plane, keeps the session alive with heartbeats,
// holds the job stream (docs/protocol.md), runs assigned jobs through runner::JobRunner and ships their logs from
// the journal (host/journal) with zero loss across reconnects.
//
// Threads (all owned by Agent; nothing is detached):
//   - the session thread (the caller of run()): registers (with backoff), opens Connect, sends Hello + Resume, waits
//     for the ResumeAck and applies it, then becomes the stream's WRITER — the only thread that calls Write. It
//     sends, in this order of priority: queued control messages (Accept/Reject/Status), Credits when they changed,
//     LogChunks (round-robin over jobs and streams, <= 256 KiB each, <= 4 MiB unacked per stream), and JobFinished
//     once every byte of a finished job was sent. When the stream breaks it joins the reader, waits a backoff
//     (exponential, jittered, forever) and starts again; jobs keep running meanwhile and their logs go to the spool.
//   - the reader thread (one per stream): the Read loop. Applies assignments (accept/reject, starts job threads),
//     cancels, LogAcks (journal commit), ResultAcks (drops the job), Drain, EventRefused. Never blocks on a journal.
//   - the heartbeat thread: Heartbeat at the server's interval (UNKNOWN_SESSION -> cancel the stream, re-register;
//     DRAIN -> drain; revoked jobs -> stop and drop).
//   - the housekeeping thread (100 ms tick): releases the backpressure of jobs that are cancelled or past their
//     timeout, warns once per job whose output is paused by the spool quota, enforces the drain timeout and decides
//     when the drain is complete, joins finished job threads.
//   - one job thread per held job: JobRunner::run with a JobEvents sink that appends masked output to the job's
//     StreamJournals (stdout, stderr, system) and queues status messages; it stores the JobResult at the end.
//   - the executor plugin's own threads call the sink's on_output (that is where a full spool blocks a job).
// Locks: Agent::mutex_ guards the job table, the outbox and the session; journals have their own locks and are
// called with mutex_ held (never the other way round: a journal's on_data callback only touches wake_mutex_).
//
// Shutdown order (drain: SIGTERM, server Drain, heartbeat DRAIN):
//   1. draining: Credits 0, new assignments rejected DRAINING;
//   2. running jobs finish, or are cancelled when worker.drain_timeout expires (a second SIGTERM: at once, forced);
//   3. logs and results are flushed until every job is ResultAcked (bounded by flush_timeout once no job runs);
//   4. the writer stops, the stream is closed, the reader joined; Deregister;
//   5. the housekeeping and heartbeat threads stop; remaining job threads are force-cancelled and joined; run()
//      returns 0.
//
// Reload (SIGHUP, the admin socket): apply_reload() changes labels, capacity and the drain timeout under mutex_ and
// tells the server what it advertises now: a WorkerUpdate on the stream when the server accepted the
// "worker-update" feature, else by registering again (same worker id, jobs resume). snapshot() copies the state
// under mutex_ for `hodei-worker status`.
#pragma once

#include "config/worker_config.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace hodei::plugins {
class PluginRegistry;
}
namespace hodei::artifacts {
class ArtifactManager;
}
namespace hodei::metrics {
class WorkerMetrics;
}

namespace hodei::agent {

struct AgentOptions {
  config::WorkerConfig config;    // effective settings (command-line flags already applied)
  std::string token;              // bearer token (config token or token_file contents); never logged
  std::string worker_name;        // resolved (default: host name)
  std::filesystem::path data_dir; // resolved; workspaces/, spool/ and worker_id live here
  std::string worker_version;
  std::chrono::milliseconds flush_timeout{std::chrono::seconds(60)}; // step 3 of the shutdown order
  artifacts::ArtifactManager *artifacts = nullptr; // fetches inputs / uploads outputs; outlives the Agent
  // Jobs, log bytes and reconnects are reported to it; the job table, session and spool are published to it every
  // housekeeping tick. nullptr: no metrics. Outlives the Agent.
  metrics::WorkerMetrics *metrics = nullptr;
  // Called from the housekeeping thread about every 100 ms (e.g. the systemd watchdog ping); must not block.
  std::function<void()> on_housekeeping_tick;
  // Called from the housekeeping thread when the worker holds no job any more (after it held some), e.g. to give
  // memory back to the OS; may take a few ms, must not call into the Agent.
  std::function<void()> on_idle;
};

// One job the worker holds, for `hodei-worker status`.
struct JobSnapshot {
  std::string job_id;
  uint64_t epoch = 0;
  std::string executor;
  std::string state;      // accepted, preparing, running, uploading, finished (result not acknowledged yet)
  int64_t elapsed_ms = 0; // since the job was accepted
};

struct AgentSnapshot {
  std::string connection; // "connected" (job stream open), "registered" (stream reconnecting), "disconnected"
  std::string server_address;
  std::string worker_id;  // empty before the first registration
  std::string session_id; // empty without a session
  int64_t registered_unix_ms = 0;
  bool draining = false;
  uint32_t max_concurrent_jobs = 0;
  uint32_t free_slots = 0;
  std::map<std::string, std::string> labels;
  std::vector<JobSnapshot> jobs;
  uint64_t spool_bytes = 0; // unacknowledged job logs on disk
  uint64_t spool_quota_bytes = 0;
};

// What a reload may change while the agent runs.
struct LiveSettings {
  std::map<std::string, std::string> labels;
  uint32_t max_concurrent_jobs = 1;
  std::chrono::seconds drain_timeout{600};
  bool advertise = false; // labels, capacity or plugins changed: tell the server
};

class Agent {
public:
  // Throws std::runtime_error when TLS files cannot be read or the data folder cannot be created.
  Agent(AgentOptions options, plugins::PluginRegistry &registry);
  ~Agent();
  Agent(const Agent &) = delete;
  Agent &operator=(const Agent &) = delete;

  // Serves until drained (see the shutdown order). Returns the process exit code (0).
  int run();

  // Thread-safe, callable from a signal-watching thread.
  void request_drain(const std::string &reason);
  void request_stop_now(const std::string &reason); // a second SIGTERM: cancel every job now

  // Thread-safe. Fewer slots than running jobs: no new job until enough finish (running jobs are never stopped).
  void apply_reload(const LiveSettings &settings);
  [[nodiscard]] AgentSnapshot snapshot() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace hodei::agent
