// Protocol error counters and totals since the devserver started (not persisted), exposed by AdminService.GetStats.
#pragma once

#include <atomic>
#include <cstdint>

namespace hodei::devserver {

// A consistent-enough copy of the counters (each read atomically; not all at one instant).
struct CountersSnapshot {
  uint64_t log_gaps = 0;
  uint64_t log_duplicate_resends = 0;
  uint64_t log_duplicate_bytes = 0;
  uint64_t log_overlap_mismatches = 0;
  uint64_t stale_epochs = 0;
  uint64_t not_leased = 0;
  uint64_t malformed_messages = 0;
  uint64_t unauthenticated = 0;
  uint64_t streams_failed = 0;
  uint64_t jobs_lost = 0;
  uint64_t assignments = 0;
  uint64_t log_bytes_committed = 0;
  uint64_t duplicate_results = 0;
  uint64_t invalid_transitions = 0;
};

// Incremented from any thread.
struct ProtocolCounters {
  std::atomic<uint64_t> log_gaps{0};
  std::atomic<uint64_t> log_duplicate_resends{0};
  std::atomic<uint64_t> log_duplicate_bytes{0};
  std::atomic<uint64_t> log_overlap_mismatches{0};
  std::atomic<uint64_t> stale_epochs{0};
  std::atomic<uint64_t> not_leased{0};
  std::atomic<uint64_t> malformed_messages{0};
  std::atomic<uint64_t> unauthenticated{0};
  std::atomic<uint64_t> streams_failed{0};
  std::atomic<uint64_t> jobs_lost{0};
  std::atomic<uint64_t> assignments{0};
  std::atomic<uint64_t> log_bytes_committed{0};
  std::atomic<uint64_t> duplicate_results{0};
  std::atomic<uint64_t> invalid_transitions{0};

  [[nodiscard]] CountersSnapshot snapshot() const noexcept {
    CountersSnapshot s;
    s.log_gaps = log_gaps.load();
    s.log_duplicate_resends = log_duplicate_resends.load();
    s.log_duplicate_bytes = log_duplicate_bytes.load();
    s.log_overlap_mismatches = log_overlap_mismatches.load();
    s.stale_epochs = stale_epochs.load();
    s.not_leased = not_leased.load();
    s.malformed_messages = malformed_messages.load();
    s.unauthenticated = unauthenticated.load();
    s.streams_failed = streams_failed.load();
    s.jobs_lost = jobs_lost.load();
    s.assignments = assignments.load();
    s.log_bytes_committed = log_bytes_committed.load();
    s.duplicate_results = duplicate_results.load();
    s.invalid_transitions = invalid_transitions.load();
    return s;
  }
};

} // namespace hodei::devserver
