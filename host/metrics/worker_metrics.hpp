// The worker's Prometheus metrics (docs/operations.md lists them). Two ways in, both thread-safe:
//   - events, reported where they happen (a job accepted or finished, log bytes sent or acknowledged, a reconnect);
//   - snapshots of state and cumulative totals, published by the component that owns them (the agent's job table
//     and spool, the artifact cache and transfers) about every 100 ms. Gauges are set from them; counters advance by
//     the difference, so the owners keep their own plain totals and never depend on this class.
// Nothing here calls back into the worker, so callers may hold their own locks while reporting.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hodei::metrics {

struct BuildInfo {
  std::string version;     // the worker's version
  std::string abi_version; // plugin ABI "major.minor"
};

// The agent's state (from its job table, session and spool budget).
struct AgentState {
  uint32_t running_jobs = 0;        // accepted and not finished
  uint32_t free_slots = 0;          // what the worker offers the server (0 while draining)
  uint64_t spool_bytes = 0;         // log bytes on disk now
  uint64_t spooled_bytes_total = 0; // cumulative log bytes written to the spool
  bool registered = false;          // holds a session
  bool connected = false;           // the job stream is open (ResumeAck received)
  bool draining = false;
};

// The artifact cache and transfers (cumulative since the process started, except size and entries).
struct ArtifactTotals {
  uint64_t cache_hits = 0;
  uint64_t cache_misses = 0;
  uint64_t cache_evictions = 0;
  uint64_t cache_size_bytes = 0;
  uint64_t cache_entries = 0;
  uint64_t downloaded_bytes = 0;
  uint64_t uploaded_bytes = 0;
};

struct Readiness {
  bool ready = false;
  std::string reason; // one line: why not ready, or "ready"
};

class WorkerMetrics {
public:
  explicit WorkerMetrics(const BuildInfo &build);
  ~WorkerMetrics();
  WorkerMetrics(const WorkerMetrics &) = delete;
  WorkerMetrics &operator=(const WorkerMetrics &) = delete;

  // Creates the per-executor series at 0 (every outcome), so they exist before the first job: a rate() over a
  // series that appears with its first increment misses that increment.
  void declare_executors(const std::vector<std::string> &executors);
  // `executor` as the job named it ("shell" or "dev.hodei.executor.shell": both count as "shell").
  void job_started(std::string_view executor);
  // `outcome`: succeeded, failed, cancelled, timed_out, error. `duration`: from acceptance to the result.
  void job_finished(std::string_view executor, std::string_view outcome, std::chrono::duration<double> duration);
  void log_bytes_sent(uint64_t bytes);       // in LogChunks on the job stream (resent bytes count again)
  void log_bytes_acked(uint64_t bytes);      // newly committed by the server
  void reconnected();                        // the job stream opened again after it was lost
  void plugin_load_failures(uint64_t count); // plugin files the registry refused

  void publish(const AgentState &state);
  void publish(const ArtifactTotals &totals);

  // Registered and the job stream connected (what /readyz answers).
  [[nodiscard]] Readiness readiness() const;
  // Every metric in the Prometheus text exposition format (version 0.0.4).
  [[nodiscard]] std::string scrape() const;

  // The label a job's executor name gets: its short name (the last component of a plugin id).
  static std::string executor_label(std::string_view executor);

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace hodei::metrics
