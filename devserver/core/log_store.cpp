#include "devserver/core/log_store.hpp"

#include "devserver/core/atomic_file.hpp"
#include "devserver/core/unique_fd.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <set>
#include <string>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace hodei::devserver {
namespace {

uint64_t file_size(int fd, const std::filesystem::path &path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw_errno("cannot stat", path);
  return static_cast<uint64_t>(st.st_size);
}

// Reads exactly `size` bytes at `offset` (fewer only at end of file).
std::string pread_all(int fd, uint64_t offset, std::size_t size, const std::filesystem::path &path) {
  std::string out(size, '\0');
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, out.data() + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("cannot read", path);
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  return out;
}

} // namespace

LogStore::LogStore(std::filesystem::path jobs_dir, LogSync sync) : jobs_dir_(std::move(jobs_dir)), sync_(sync) {}

std::filesystem::path LogStore::path(const std::string &job_id, LogStream stream) const {
  return jobs_dir_ / job_id / (std::string(to_string(stream)) + ".log");
}

std::shared_ptr<LogStore::File> LogStore::file_for(const Key &key) {
  const std::lock_guard lock(files_mutex_);
  closed_sizes_.erase(key); // the File's size is the truth from now on
  std::shared_ptr<File> &file = files_[key];
  if (!file) file = std::make_shared<File>();
  return file;
}

AppendResult LogStore::append(const std::string &job_id, LogStream stream, uint64_t offset, std::string_view data) {
  const std::shared_ptr<File> file = file_for({job_id, stream});
  const std::lock_guard lock(file->mutex);
  const std::filesystem::path file_path = path(job_id, stream);
  if (!file->fd) open_file(*file, file_path);
  AppendResult result;
  result.committed = file->size;
  if (offset > file->size) {
    result.gap = true;
    return result;
  }
  const auto skip = static_cast<std::size_t>(std::min<uint64_t>(file->size - offset, data.size()));
  if (skip > 0) {
    result.duplicate_bytes = skip;
    result.mismatch = pread_all(file->fd.get(), offset, skip, file_path) != data.substr(0, skip);
  }
  const std::string_view rest = data.substr(skip);
  if (!rest.empty()) {
    try {
      write_all(file->fd.get(), rest.data(), rest.size(), file_path);
    } catch (...) {
      file->size = file_size(file->fd.get(), file_path); // a short write stored a prefix: keep offsets true
      throw;
    }
    file->size += rest.size();
    result.appended = rest.size();
    if (sync_ == LogSync::os) {
      file->synced = file->size;
    } else if (!file->queued) {
      file->queued = true;
      const std::lock_guard dirty_lock(dirty_mutex_);
      dirty_.push_back(file);
    }
  }
  result.committed = file->size;
  return result;
}

void LogStore::open_file(File &file, const std::filesystem::path &file_path) {
  const bool new_dir = !std::filesystem::exists(file_path.parent_path());
  if (new_dir) std::filesystem::create_directories(file_path.parent_path());
  const bool existed = !new_dir && std::filesystem::exists(file_path);
  file.fd = UniqueFd(::open(file_path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!file.fd) throw_errno("cannot open", file_path);
  file.size = file_size(file.fd.get(), file_path);
  // Bytes a previous process wrote may still be only in the page cache: on disk before they are acknowledged.
  if (sync_ == LogSync::fsync && file.size > 0 && ::fdatasync(file.fd.get()) != 0) {
    throw_errno("cannot fdatasync", file_path);
  }
  file.synced = file.size;
  if (!existed && sync_ == LogSync::fsync) {
    file.new_entry_dir = file_path.parent_path();
    file.new_job_dir = new_dir;
  }
}

void LogStore::sync_dirty() {
  std::vector<std::shared_ptr<File>> dirty;
  {
    const std::lock_guard lock(dirty_mutex_);
    dirty.swap(dirty_);
  }
  std::vector<std::pair<File *, uint64_t>> synced;
  std::set<std::filesystem::path> new_entries; // folders with new entries: one fsync each per round
  for (const std::shared_ptr<File> &file : dirty) {
    uint64_t size = 0;
    {
      const std::lock_guard lock(file->mutex);
      size = file->size; // what the fdatasync below covers: every write before this point
      file->queued = false;
      if (!file->new_entry_dir.empty()) new_entries.insert(std::exchange(file->new_entry_dir, {}));
      if (std::exchange(file->new_job_dir, false)) new_entries.insert(jobs_dir_);
    }
    if (::fdatasync(file->fd.get()) != 0) throw_errno("cannot fdatasync a log file of", jobs_dir_);
    synced.emplace_back(file.get(), size);
  }
  for (const std::filesystem::path &dir : new_entries) fsync_directory(dir);
  for (const auto &[file, size] : synced) { // on disk, entries included
    const std::lock_guard lock(file->mutex);
    file->synced = std::max(file->synced, size);
  }
}

uint64_t LogStore::synced(const std::string &job_id, LogStream stream) const {
  std::shared_ptr<File> file;
  {
    const std::lock_guard lock(files_mutex_);
    if (const auto it = files_.find({job_id, stream}); it != files_.end()) file = it->second;
  }
  if (file) {
    const std::lock_guard lock(file->mutex);
    if (file->fd) return file->synced;
  }
  return committed(job_id, stream);
}

uint64_t LogStore::committed(const std::string &job_id, LogStream stream) const {
  const Key key{job_id, stream};
  std::shared_ptr<File> file;
  {
    const std::lock_guard lock(files_mutex_);
    if (const auto it = files_.find(key); it != files_.end()) file = it->second;
  }
  if (file) {
    const std::lock_guard lock(file->mutex);
    if (file->fd) return file->size;
  }
  // Not open: the file's size, remembered (only append() changes it, and it reopens the file): listing a thousand
  // jobs asks for three sizes each.
  {
    const std::lock_guard lock(files_mutex_);
    if (const auto it = closed_sizes_.find(key); it != closed_sizes_.end()) return it->second;
  }
  std::error_code ec;
  const auto size = std::filesystem::file_size(path(job_id, stream), ec);
  const uint64_t committed = ec ? 0 : static_cast<uint64_t>(size);
  const std::lock_guard lock(files_mutex_);
  if (files_.count(key) == 0) closed_sizes_.emplace(key, committed); // not reopened or released meanwhile
  return committed;
}

std::string LogStore::read(const std::string &job_id, LogStream stream, uint64_t offset, std::size_t max_bytes) const {
  const uint64_t end = committed(job_id, stream);
  if (offset >= end) return {};
  const auto size = static_cast<std::size_t>(std::min<uint64_t>(end - offset, max_bytes));
  const std::filesystem::path file_path = path(job_id, stream);
  const UniqueFd fd(::open(file_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("cannot open", file_path);
  return pread_all(fd.get(), offset, size, file_path);
}

void LogStore::release(const std::string &job_id) {
  const std::lock_guard lock(files_mutex_);
  for (auto it = files_.begin(); it != files_.end();) {
    if (it->first.first != job_id) {
      ++it;
      continue;
    }
    {
      const std::lock_guard file_lock(it->second->mutex);
      closed_sizes_[it->first] = it->second->size;
    }
    it = files_.erase(it);
  }
}

} // namespace hodei::devserver
