// The persisted job and worker records in the data folder:
//   <data>/state/                      the records' write-ahead journal and snapshots (journal.hpp): one record per
//                                      change, the whole JobRecord / WorkerRecord as compact JSON, checksummed
//   <data>/jobs/<job id>/<stream>.log  the job's output (log_store.hpp)
// An older layout (<data>/jobs/<id>/job.json, <data>/workers/<id>.json: one file per record, replaced atomically)
// is still read at startup; its records go into the first snapshot, then its files are removed.
//
// save_job()/save_worker() only queue the record (callers hold the ControlPlane's mutex): they return the record's
// sequence number, and wait_durable(seq) blocks until it is fsync'ed. Whoever acknowledges something to a client
// or worker waits for the sequence number first, outside the mutex; what nobody was promised (status transitions)
// is simply not waited for, and a crash may lose the latest of those.
#pragma once

#include "devserver/core/job_record.hpp"
#include "devserver/core/journal.hpp"
#include "devserver/core/worker_record.hpp"

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace hodei::devserver {

class StateStore {
public:
  // Loads the data folder (creating its folders when missing) and starts the journal's committer, which runs
  // `before_sync` before each fdatasync (the log files' fdatasync: log_store.hpp). A record that cannot be read
  // back stops the load with RecordFormatError naming the file (and byte offset): the devserver refuses to start
  // rather than silently drop a job. Throws std::system_error on I/O failure.
  explicit StateStore(std::filesystem::path data_dir, std::function<void()> before_sync = {},
                      uint64_t compact_after_bytes = JournalOptions{}.compact_after_bytes);

  // Queue the record; return its sequence number (durable after wait_durable). Thread-safe.
  uint64_t save_job(const JobRecord &record);
  uint64_t save_worker(const WorkerRecord &record);

  // The records loaded at construction.
  [[nodiscard]] const std::vector<JobRecord> &loaded_jobs() const { return jobs_; }
  [[nodiscard]] const std::vector<WorkerRecord> &loaded_workers() const { return workers_; }

  [[nodiscard]] uint64_t last_queued() const { return journal_->last_queued(); }
  uint64_t sync_point() { return journal_->sync_point(); }
  bool wait_durable(uint64_t seq) const { return journal_->wait_durable(seq); }
  [[nodiscard]] Journal &journal() { return *journal_; }

  [[nodiscard]] std::filesystem::path jobs_dir() const { return data_dir_ / "jobs"; }
  [[nodiscard]] std::filesystem::path job_dir(const std::string &job_id) const { return jobs_dir() / job_id; }
  [[nodiscard]] std::filesystem::path state_dir() const { return data_dir_ / "state"; }

private:
  std::map<std::string, std::string> load_legacy_layout();
  void remove_legacy_layout();
  void parse_loaded();

  std::filesystem::path data_dir_;
  std::vector<std::filesystem::path> legacy_files_;
  std::vector<JobRecord> jobs_;
  std::vector<WorkerRecord> workers_;
  std::unique_ptr<Journal> journal_;
};

} // namespace hodei::devserver
