// The worker's log journal: every byte a job writes, per (job, stream), addressed by offset and kept until the
// server acknowledges it. Recent bytes stay in memory (a per-stream budget); past it they spill to an anonymous
// spool file (O_TMPFILE: nothing survives a crash, nothing to clean up). The spool is bounded by a quota shared by
// all jobs: past it, append() blocks — the job's output pauses, nothing is dropped — until acks free space or the
// job's backpressure is released (cancel/timeout, so a paused job can still be stopped).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace hodei::journal {

// Disk quota shared by every job's spool files.
class SpoolBudget {
public:
  explicit SpoolBudget(uint64_t quota_bytes) : quota_(quota_bytes) {}

  [[nodiscard]] uint64_t quota() const noexcept { return quota_; }
  [[nodiscard]] uint64_t used() const;
  // Reserves `bytes`, waiting while that would exceed the quota; returns early (and still reserves) once
  // `released()` is true. A single reservation larger than the quota waits until the spool is empty.
  void reserve(uint64_t bytes, const std::function<bool()> &released);
  void release(uint64_t bytes);
  // Wakes reservers so they re-check their `released` predicate.
  void wake_all();
  // Observer of blocking: how many times reserve() had to wait (metrics, tests).
  [[nodiscard]] uint64_t waits() const;
  // Every byte ever reserved, i.e. written to a spool file (metrics).
  [[nodiscard]] uint64_t reserved_total() const;

private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  uint64_t quota_;
  uint64_t used_ = 0;
  uint64_t waits_ = 0;
  uint64_t reserved_total_ = 0;
};

// One stream of one job. Thread-safe: append from the job's output thread, read/commit from the sender.
class StreamJournal {
public:
  StreamJournal(std::filesystem::path spool_dir, uint64_t memory_budget, SpoolBudget &budget,
                std::function<void()> on_data);
  ~StreamJournal();
  StreamJournal(const StreamJournal &) = delete;
  StreamJournal &operator=(const StreamJournal &) = delete;

  // Takes all bytes (copies them). Blocks while the spool quota is full, unless backpressure was released.
  void append(std::span<const uint8_t> bytes);
  // Appends up to `max_bytes` bytes starting at `offset` (committed_offset() <= offset <= end_offset()) to `out`
  // (no zero-filled buffer first: the log sender's hot path); returns the count, 0 at the end. Throws
  // std::out_of_range for an offset already committed or past the end.
  size_t append_to(uint64_t offset, size_t max_bytes, std::string &out) const;
  // The server has every byte before `offset`: free them. Offsets below the current commit are ignored.
  void commit(uint64_t offset);
  // Stop blocking appends (quota overshoot is allowed from now on): the job is being stopped.
  void release_backpressure();

  [[nodiscard]] uint64_t end_offset() const;
  [[nodiscard]] uint64_t committed_offset() const;
  [[nodiscard]] uint64_t memory_bytes() const;
  [[nodiscard]] uint64_t spooled_bytes() const;

private:
  struct Piece {
    uint64_t offset = 0;
    uint64_t length = 0;
    bool on_disk = false;
    uint64_t file_pos = 0;       // when on_disk
    std::vector<uint8_t> memory; // when in memory
  };
  void append_to_memory(std::span<const uint8_t> bytes);
  void append_to_disk(std::span<const uint8_t> bytes);
  void open_spool_file();
  bool released() const;

  std::filesystem::path spool_dir_;
  uint64_t memory_budget_;
  SpoolBudget &budget_;
  std::function<void()> on_data_;

  mutable std::mutex mutex_;
  std::deque<Piece> pieces_;
  std::vector<uint8_t> spare_; // the buffer of the last freed memory piece, reused by the next one
  uint64_t committed_ = 0;
  uint64_t end_ = 0;
  uint64_t memory_bytes_ = 0;
  uint64_t disk_bytes_ = 0; // bytes of live disk pieces (reserved in the budget)
  uint64_t file_end_ = 0;   // append position in the spool file
  int fd_ = -1;
  bool released_ = false;
};

} // namespace hodei::journal
