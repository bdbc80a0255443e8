#include "devserver/core/state_store.hpp"

#include "devserver/core/atomic_file.hpp"
#include "devserver/core/record_json.hpp"

#include <spdlog/spdlog.h>

namespace hodei::devserver {
namespace {

constexpr std::string_view kJobKey = "job:";
constexpr std::string_view kWorkerKey = "worker:";

nlohmann::json read_json_file(const std::filesystem::path &path) {
  try {
    return nlohmann::json::parse(read_whole_file(path));
  } catch (const nlohmann::json::exception &e) {
    throw RecordFormatError(path.string() + ": " + e.what());
  }
}

std::string job_key(const std::string &id) { return std::string(kJobKey) + id; }
std::string worker_key(const std::string &id) { return std::string(kWorkerKey) + id; }

bool starts_with(const std::string &text, std::string_view prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

} // namespace

StateStore::StateStore(std::filesystem::path data_dir, std::function<void()> before_sync, uint64_t compact_after_bytes)
    : data_dir_(std::move(data_dir)) {
  std::filesystem::create_directories(jobs_dir());
  std::map<std::string, std::string> legacy = load_legacy_layout();
  journal_ = std::make_unique<Journal>(JournalOptions{state_dir(), compact_after_bytes, std::move(before_sync)},
                                       std::move(legacy));
  parse_loaded();
  remove_legacy_layout(); // its records are in the snapshot the journal wrote at start
}

std::map<std::string, std::string> StateStore::load_legacy_layout() {
  std::map<std::string, std::string> records;
  for (const auto &entry : std::filesystem::directory_iterator(jobs_dir())) {
    const std::filesystem::path file = entry.path() / "job.json";
    if (!entry.is_directory()) continue;
    std::filesystem::path temp = file;
    temp += ".tmp";
    if (std::filesystem::exists(temp)) legacy_files_.push_back(temp); // a crash mid-write: the old file is whole
    if (!std::filesystem::exists(file)) continue;
    try {
      const JobRecord record = job_record_from_json(read_json_file(file));
      records[job_key(record.id)] = job_record_to_json(record).dump();
    } catch (const RecordFormatError &e) {
      throw RecordFormatError(file.string() + ": " + e.what());
    }
    legacy_files_.push_back(file);
  }
  const std::filesystem::path workers = data_dir_ / "workers";
  if (!std::filesystem::is_directory(workers)) return records;
  for (const auto &entry : std::filesystem::directory_iterator(workers)) {
    legacy_files_.push_back(entry.path());
    if (entry.path().extension() != ".json") continue; // *.json.tmp left by a crash mid-write
    try {
      const WorkerRecord record = worker_record_from_json(read_json_file(entry.path()));
      records[worker_key(record.id)] = worker_record_to_json(record).dump();
    } catch (const RecordFormatError &e) {
      throw RecordFormatError(entry.path().string() + ": " + e.what());
    }
  }
  return records;
}

void StateStore::remove_legacy_layout() {
  if (legacy_files_.empty() && !std::filesystem::exists(data_dir_ / "workers")) return;
  for (const std::filesystem::path &file : legacy_files_) std::filesystem::remove(file);
  std::error_code ignored;
  std::filesystem::remove(data_dir_ / "workers", ignored); // only when empty
  spdlog::info("devserver: moved {} record files of the older data folder layout into {}", legacy_files_.size(),
               state_dir().string());
  legacy_files_.clear();
}

void StateStore::parse_loaded() {
  for (const auto &[key, value] : journal_->loaded()) {
    try {
      const nlohmann::json json = nlohmann::json::parse(value);
      if (starts_with(key, kJobKey)) {
        jobs_.push_back(job_record_from_json(json));
      } else if (starts_with(key, kWorkerKey)) {
        workers_.push_back(worker_record_from_json(json));
      } else {
        throw RecordFormatError("unknown kind of record");
      }
    } catch (const std::exception &e) { // nlohmann::json::exception or RecordFormatError
      throw RecordFormatError(state_dir().string() + ": record " + key + ": " + e.what());
    }
  }
}

uint64_t StateStore::save_job(const JobRecord &record) {
  return journal_->append(job_key(record.id), job_record_to_json(record).dump());
}

uint64_t StateStore::save_worker(const WorkerRecord &record) {
  return journal_->append(worker_key(record.id), worker_record_to_json(record).dump());
}

} // namespace hodei::devserver
