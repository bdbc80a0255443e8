#include "devserver/core/state_store.hpp"

#include "devserver/core/atomic_file.hpp"
#include "devserver/core/record_json.hpp"

namespace hodei::devserver {
namespace {

nlohmann::json read_json_file(const std::filesystem::path &path) {
  try {
    return nlohmann::json::parse(read_whole_file(path));
  } catch (const nlohmann::json::exception &e) {
    throw RecordFormatError(path.string() + ": " + e.what());
  }
}

} // namespace

StateStore::StateStore(std::filesystem::path data_dir) : data_dir_(std::move(data_dir)) {
  std::filesystem::create_directories(jobs_dir());
  std::filesystem::create_directories(data_dir_ / "workers");
}

void StateStore::save_job(const JobRecord &record, Durability durability) {
  const std::filesystem::path dir = job_dir(record.id);
  if (!std::filesystem::exists(dir)) {
    std::filesystem::create_directory(dir);
    fsync_directory(jobs_dir()); // the new folder's entry must survive a crash with the record in it
  }
  write_file_atomically(dir / "job.json", job_record_to_json(record).dump(2) + "\n", durability);
}

void StateStore::save_worker(const WorkerRecord &record) {
  write_file_atomically(data_dir_ / "workers" / (record.id + ".json"), worker_record_to_json(record).dump(2) + "\n");
}

std::vector<JobRecord> StateStore::load_jobs() const {
  std::vector<JobRecord> records;
  for (const auto &entry : std::filesystem::directory_iterator(jobs_dir())) {
    const std::filesystem::path file = entry.path() / "job.json";
    if (!entry.is_directory() || !std::filesystem::exists(file)) continue; // a folder whose first save crashed
    try {
      records.push_back(job_record_from_json(read_json_file(file)));
    } catch (const RecordFormatError &e) {
      throw RecordFormatError(file.string() + ": " + e.what());
    }
  }
  return records;
}

std::vector<WorkerRecord> StateStore::load_workers() const {
  std::vector<WorkerRecord> records;
  for (const auto &entry : std::filesystem::directory_iterator(data_dir_ / "workers")) {
    if (entry.path().extension() != ".json") continue; // *.json.tmp left by a crash mid-write
    try {
      records.push_back(worker_record_from_json(read_json_file(entry.path())));
    } catch (const RecordFormatError &e) {
      throw RecordFormatError(entry.path().string() + ": " + e.what());
    }
  }
  return records;
}

} // namespace hodei::devserver
