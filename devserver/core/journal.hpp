// A write-ahead journal of keyed records with group commit: the devserver's job and worker records
// (state_store.hpp). The last record of a key wins.
//
// Files, in <data>/state/ (record format: journal_format.hpp):
//   snapshot-<G>.records  every key's latest record when generation G began; written to a temp file, fsync'ed,
//                         renamed, folder fsync'ed: it exists complete or not at all
//   journal-<G>.records   the records appended during generation G, in order
// Loading takes the newest snapshot S (none: empty) and replays journal-<G> for every G >= S in order. Only the
// newest journal may end with a torn record (a crash in the middle of a write: never acknowledged, dropped with a
// warning); damage anywhere else refuses the load (RecordFormatError naming file and byte offset).
//
// Group commit: append() only queues the line and returns its sequence number (cheap: callers hold their own lock).
// One committer thread takes everything queued, runs `before_sync` (the log files' fdatasync), writes the batch
// with one write(2) and fdatasyncs once. A sequence number is durable (wait_durable) once its batch is on disk.
// A round starts when someone waits for a number not yet taken (wait_durable), so records nobody waits for (status
// transitions) ride along with the next one somebody needs, or are written after kLazyCommit at the latest.
// A write or fdatasync that fails stops the process (spdlog::critical, then abort): after a failed fdatasync the
// kernel may have dropped the pages, so nothing queued can be promised any more.
//
// Compaction, when the journal passes `compact_after_bytes`, and at every start: generation G+1 begins. At run time
// the committer writes the batch to the new journal-<G+1> (fdatasync, folder fsync) before it acknowledges it, then
// writes snapshot-<G+1> of every key's latest record (as of that batch), then removes the files of older
// generations. A crash at any point leaves a set of files that loads to the same state: until snapshot-<G+1> exists,
// snapshot-<S> + journals S..G+1 hold everything; once it exists, it + journal-<G+1> do. At a start, the snapshot is
// written first (from what was loaded), then the empty journal.
#pragma once

#include "devserver/core/unique_fd.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace hodei::devserver {

struct JournalOptions {
  std::filesystem::path dir;                  // created when missing
  uint64_t compact_after_bytes = 64ULL << 20; // journal size that starts a new generation
  std::function<void()> before_sync;          // run by the committer before each journal fdatasync
};

class Journal {
public:
  // How long a record nobody waits for may stay in memory before the committer writes it anyway.
  static constexpr std::chrono::milliseconds kLazyCommit{50};

  // Loads the folder on top of `base` (records from an older layout), compacts, starts the committer.
  // Throws RecordFormatError (damaged file) or std::system_error.
  Journal(JournalOptions options, std::map<std::string, std::string> base = {});
  // Commits what is queued, then stops the committer.
  ~Journal();
  Journal(const Journal &) = delete;
  Journal &operator=(const Journal &) = delete;

  // Every key's latest value as loaded at construction (before any append()).
  [[nodiscard]] const std::map<std::string, std::string> &loaded() const { return latest_; }

  // Queues a record; returns its sequence number. `key` has no spaces. Thread-safe.
  uint64_t append(const std::string &key, std::string value);
  // The sequence number of the last record queued (0: none): durable once everything queued so far is.
  [[nodiscard]] uint64_t last_queued() const;
  // A new sequence number that is durable after a commit round that starts after this call: its before_sync sees
  // every write made before (the log files' bytes). Thread-safe.
  uint64_t sync_point();
  // Blocks until `seq` is durable; false when the journal is being destroyed before that.
  bool wait_durable(uint64_t seq) const;
  [[nodiscard]] uint64_t durable() const;
  [[nodiscard]] uint64_t generation() const;

  [[nodiscard]] static std::filesystem::path snapshot_path(const std::filesystem::path &dir, uint64_t generation);
  [[nodiscard]] static std::filesystem::path journal_path(const std::filesystem::path &dir, uint64_t generation);

private:
  void load();
  void open_generation(uint64_t generation, const std::string &first_batch);
  void write_snapshot(uint64_t generation, const std::map<std::string, std::string> &records) const;
  void remove_older_than(uint64_t generation) const;
  void run();
  void commit(const std::string &batch, const std::map<std::string, std::string> *snapshot);

  JournalOptions options_;
  // Committer thread only (and the constructor before it starts):
  UniqueFd fd_;
  uint64_t journal_bytes_ = 0;

  mutable std::mutex mutex_;
  mutable std::condition_variable queued_cv_;
  mutable std::condition_variable durable_cv_;
  std::map<std::string, std::string> latest_; // every key's latest queued value (for snapshots)
  std::string pending_;                       // encoded lines not yet taken by the committer
  uint64_t queued_seq_ = 0;
  uint64_t taken_seq_ = 0;
  uint64_t durable_seq_ = 0;
  mutable uint64_t wanted_seq_ = 0;                        // the highest number someone waits for
  std::chrono::steady_clock::time_point first_pending_at_; // when the oldest uncommitted number was queued
  uint64_t generation_ = 0;
  bool stopping_ = false;
  bool stopped_ = false;  // the committer has finished: wait_durable() gives up
  std::thread committer_; // last: started when everything above is ready
};

} // namespace hodei::devserver
