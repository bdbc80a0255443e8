// One job the worker holds, from its AcceptJob until the server's ResultAck: the lease, the spec, its three log
// journals with their send cursors, the cancel source, the result once it is over. Domain types only.
#pragma once

#include "job/job_spec.hpp"
#include "journal/log_journal.hpp"
#include "runner/cancel_source.hpp"
#include "runner/job_events.hpp"
#include "runner/job_report.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace hodei::agent {

inline constexpr size_t kStreamCount = 3; // stdout, stderr, system (index = runner::LogStream - 1)

inline size_t stream_index(runner::LogStream stream) { return static_cast<size_t>(stream) - 1; }
inline runner::LogStream stream_at(size_t index) { return static_cast<runner::LogStream>(index + 1); }

// What the job reported at its end, with the final length of every stream.
struct FinishedJob {
  runner::JobReport report;
  std::array<uint64_t, kStreamCount> log_lengths{};
  int64_t finished_unix_ms = 0;
};

class HeldJob {
public:
  struct Stream {
    std::unique_ptr<journal::StreamJournal> journal;
    uint64_t send_cursor = 0;   // next byte to send on the current job stream (Agent mutex)
    bool rewind_on_ack = false; // the next LogAck of this stream says where to resend from (Agent mutex)
  };

  HeldJob(std::string job_id, uint64_t epoch, job::JobSpec spec, const std::filesystem::path &spool_dir,
          uint64_t memory_budget_per_job, journal::SpoolBudget &budget, const std::function<void()> &on_data);
  ~HeldJob();
  HeldJob(const HeldJob &) = delete;
  HeldJob &operator=(const HeldJob &) = delete;

  const std::string job_id;
  const uint64_t epoch;
  const job::JobSpec spec;
  const int64_t accepted_unix_ms;
  const std::chrono::steady_clock::time_point accepted_at;
  runner::CancelSource cancel;
  std::array<Stream, kStreamCount> streams;

  // Appends output (thread-safe per stream); records when an append started, to tell a paused job.
  void append(runner::LogStream stream, std::span<const uint8_t> bytes);
  // The worker's own line on the SYSTEM stream ("==> ..."); a newline is added.
  void system_line(const std::string &line);
  // Lets blocked appends through (the job is being stopped). Idempotent.
  void release_backpressure();
  [[nodiscard]] bool backpressure_released() const noexcept { return released_; }
  // Steady-clock ms since epoch when the append in progress started; 0 when none is in progress.
  [[nodiscard]] int64_t append_in_progress_since_ms() const noexcept { return append_since_ms_; }

  // Guarded by the Agent's mutex.
  runner::JobPhase phase = runner::JobPhase::accepted;
  std::optional<FinishedJob> finished;
  bool finished_sent = false;   // JobFinished written on the current stream, no ResultAck yet
  bool rewind_next_ack = false; // LOG_GAP / TOO_LARGE: the next LogAck of this job says where to resend from
  bool dropped = false;         // abandoned: no more events; removed when its thread ends
  bool thread_done = false;
  bool pause_warned = false;
  std::thread thread;

private:
  std::mutex system_mutex_;
  std::atomic<bool> released_{false};
  std::atomic<int64_t> append_since_ms_{0};
};

} // namespace hodei::agent
