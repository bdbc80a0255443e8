// The persisted state in the data folder:
//   <data>/jobs/<job id>/job.json     one JobRecord, replaced atomically on every change
//   <data>/jobs/<job id>/<stream>.log the job's output (log_store.hpp)
//   <data>/workers/<worker id>.json   one WorkerRecord per registered worker
// Every save is atomic; it is durable across a power loss when it returns unless the caller asked for less
// (write_file_atomically: fsync + rename + fsync of the folder).
#pragma once

#include "devserver/core/atomic_file.hpp"
#include "devserver/core/job_record.hpp"
#include "devserver/core/worker_record.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace hodei::devserver {

class StateStore {
public:
  // Creates the folders when missing. Throws std::system_error.
  explicit StateStore(std::filesystem::path data_dir);

  // Durability::process_crash is for changes nobody was promised anything about (status transitions the worker
  // reports again after a reconnect); everything acknowledged to a client or worker is saved power_loss-durable.
  void save_job(const JobRecord &record, Durability durability = Durability::power_loss);
  void save_worker(const WorkerRecord &record);

  // Everything saved before. A record that cannot be read back stops the load with RecordFormatError naming the
  // file: the devserver refuses to start rather than silently drop a job.
  [[nodiscard]] std::vector<JobRecord> load_jobs() const;
  [[nodiscard]] std::vector<WorkerRecord> load_workers() const;

  [[nodiscard]] std::filesystem::path jobs_dir() const { return data_dir_ / "jobs"; }
  [[nodiscard]] std::filesystem::path job_dir(const std::string &job_id) const { return jobs_dir() / job_id; }

private:
  std::filesystem::path data_dir_;
};

} // namespace hodei::devserver
