#include "devserver/core/journal.hpp"

#include "devserver/core/atomic_file.hpp"
#include "devserver/core/journal_format.hpp"
#include "devserver/core/unique_fd.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <optional>
#include <set>
#include <spdlog/spdlog.h>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace hodei::devserver {
namespace {

constexpr std::string_view kSnapshotPrefix = "snapshot-";
constexpr std::string_view kJournalPrefix = "journal-";
constexpr std::string_view kSuffix = ".records";

// The generation of "<prefix><digits>.records"; nullopt for any other name.
std::optional<uint64_t> generation_of(const std::string &name, std::string_view prefix) {
  if (name.size() <= prefix.size() + kSuffix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
      name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
    return std::nullopt;
  }
  const std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - kSuffix.size());
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoull(digits);
}

std::string encode_all(const std::map<std::string, std::string> &records) {
  std::string out;
  for (const auto &[key, value] : records) out += encode_record(key, value);
  return out;
}

} // namespace

std::filesystem::path Journal::snapshot_path(const std::filesystem::path &dir, uint64_t generation) {
  return dir / (std::string(kSnapshotPrefix) + std::to_string(generation) + std::string(kSuffix));
}

std::filesystem::path Journal::journal_path(const std::filesystem::path &dir, uint64_t generation) {
  return dir / (std::string(kJournalPrefix) + std::to_string(generation) + std::string(kSuffix));
}

Journal::Journal(JournalOptions options, std::map<std::string, std::string> base)
    : options_(std::move(options)), latest_(std::move(base)) {
  if (!std::filesystem::exists(options_.dir)) {
    std::filesystem::create_directories(options_.dir);
    fsync_directory(options_.dir.parent_path());
  }
  load();
  // A new generation at every start: the snapshot holds everything loaded (an older layout's records too), and no
  // append ever follows a torn tail.
  const uint64_t next = generation_ + 1;
  write_snapshot(next, latest_);
  open_generation(next, {});
  remove_older_than(next);
  generation_ = next;
  committer_ = std::thread([this] { run(); });
}

Journal::~Journal() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  queued_cv_.notify_all();
  if (committer_.joinable()) committer_.join();
  {
    const std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  durable_cv_.notify_all();
}

void Journal::load() {
  std::optional<uint64_t> snapshot;
  std::set<uint64_t> journals;
  for (const auto &entry : std::filesystem::directory_iterator(options_.dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".tmp") { // a snapshot whose write a crash interrupted
      std::filesystem::remove(entry.path());
      continue;
    }
    if (const auto g = generation_of(name, kSnapshotPrefix)) snapshot = std::max(snapshot.value_or(0), *g);
    if (const auto g = generation_of(name, kJournalPrefix)) journals.insert(*g);
  }
  const uint64_t first = snapshot.value_or(0);
  if (snapshot) {
    const std::filesystem::path path = snapshot_path(options_.dir, *snapshot);
    for (ScannedRecord &r : scan_records(read_whole_file(path), path, false).records) {
      latest_[std::move(r.key)] = std::move(r.value);
    }
  }
  generation_ = first;
  for (const uint64_t g : journals) {
    if (g < first) continue; // older than the snapshot: already in it
    const std::filesystem::path path = journal_path(options_.dir, g);
    ScanResult scanned = scan_records(read_whole_file(path), path, g == *journals.rbegin());
    if (scanned.torn) {
      spdlog::warn("devserver: {}: dropped a torn last record, never acknowledged: {}", path.string(), *scanned.torn);
    }
    for (ScannedRecord &r : scanned.records) latest_[std::move(r.key)] = std::move(r.value);
    generation_ = std::max(generation_, g);
  }
}

void Journal::open_generation(uint64_t generation, const std::string &first_batch) {
  const std::filesystem::path path = journal_path(options_.dir, generation);
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644));
  if (!fd) throw_errno("cannot create", path);
  if (!first_batch.empty()) {
    write_all(fd.get(), first_batch.data(), first_batch.size(), path);
    if (::fdatasync(fd.get()) != 0) throw_errno("cannot fdatasync", path);
  }
  fsync_directory(options_.dir); // the new journal's entry
  fd_ = std::move(fd);
  journal_bytes_ = first_batch.size();
}

void Journal::write_snapshot(uint64_t generation, const std::map<std::string, std::string> &records) const {
  write_file_atomically(snapshot_path(options_.dir, generation), encode_all(records));
}

void Journal::remove_older_than(uint64_t generation) const {
  bool removed = false;
  for (const auto &entry : std::filesystem::directory_iterator(options_.dir)) {
    const std::string name = entry.path().filename().string();
    auto g = generation_of(name, kSnapshotPrefix);
    if (!g) g = generation_of(name, kJournalPrefix);
    if (g && *g < generation) removed = std::filesystem::remove(entry.path()) || removed;
  }
  if (removed) fsync_directory(options_.dir);
}

uint64_t Journal::append(const std::string &key, std::string value) {
  std::string line = encode_record(key, value);
  const std::lock_guard lock(mutex_);
  if (pending_.empty()) first_pending_at_ = std::chrono::steady_clock::now();
  pending_ += line;
  latest_[key] = std::move(value);
  // No wake-up: a record is committed when someone waits for it (or a later one), or after kLazyCommit.
  return ++queued_seq_;
}

uint64_t Journal::last_queued() const {
  const std::lock_guard lock(mutex_);
  return queued_seq_;
}

uint64_t Journal::sync_point() {
  const std::lock_guard lock(mutex_);
  if (pending_.empty()) first_pending_at_ = std::chrono::steady_clock::now();
  return ++queued_seq_;
}

bool Journal::wait_durable(uint64_t seq) const {
  std::unique_lock lock(mutex_);
  if (durable_seq_ >= seq) return true;
  if (wanted_seq_ < seq) {
    wanted_seq_ = seq;
    queued_cv_.notify_one();
  }
  durable_cv_.wait(lock, [&] { return durable_seq_ >= seq || stopped_; });
  return durable_seq_ >= seq;
}

uint64_t Journal::durable() const {
  const std::lock_guard lock(mutex_);
  return durable_seq_;
}

uint64_t Journal::generation() const {
  const std::lock_guard lock(mutex_);
  return generation_;
}

void Journal::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    // A round when someone waits for a queued number, when records nobody waits for (status transitions) have
    // waited kLazyCommit, or to flush everything at the end.
    const auto due = [&] {
      return stopping_ || wanted_seq_ > taken_seq_ ||
             (queued_seq_ > taken_seq_ && std::chrono::steady_clock::now() >= first_pending_at_ + kLazyCommit);
    };
    while (!due()) {
      if (queued_seq_ > taken_seq_) {
        queued_cv_.wait_until(lock, first_pending_at_ + kLazyCommit);
      } else {
        queued_cv_.wait(lock);
      }
    }
    if (queued_seq_ == taken_seq_) break; // stopping with nothing left
    const std::string batch = std::exchange(pending_, {});
    const uint64_t upto = queued_seq_;
    taken_seq_ = upto;
    std::optional<std::map<std::string, std::string>> snapshot;
    if (journal_bytes_ + batch.size() > options_.compact_after_bytes) snapshot = latest_; // state as of `upto`
    lock.unlock();
    commit(batch, snapshot ? &*snapshot : nullptr);
    lock.lock();
    durable_seq_ = upto;
    if (snapshot) generation_ += 1;
    durable_cv_.notify_all();
  }
}

void Journal::commit(const std::string &batch, const std::map<std::string, std::string> *snapshot) {
  try {
    if (options_.before_sync) options_.before_sync();
    if (snapshot != nullptr) {
      const uint64_t next = generation() + 1;
      open_generation(next, batch); // durable in the new journal before anyone is told
      write_snapshot(next, *snapshot);
      remove_older_than(next);
      spdlog::info("devserver: state journal compacted into generation {} ({} records)", next, snapshot->size());
      return;
    }
    if (batch.empty()) return;
    const std::filesystem::path path = journal_path(options_.dir, generation());
    write_all(fd_.get(), batch.data(), batch.size(), path);
    journal_bytes_ += batch.size();
    if (::fdatasync(fd_.get()) != 0) throw_errno("cannot fdatasync", path);
  } catch (const std::exception &e) {
    // Nothing queued can be promised any more (after a failed fdatasync the kernel may have dropped the pages):
    // stop rather than acknowledge what may be lost. A restart loads what is on disk.
    spdlog::critical("devserver: cannot write the state journal: {}; stopping", e.what());
    std::abort();
  }
}

} // namespace hodei::devserver
