#include "log_journal.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <system_error>
#include <unistd.h>

namespace hodei::journal {

namespace {
// A memory piece grows by appends up to this size, then a new one starts, so commit() can free memory gradually.
constexpr uint64_t max_memory_piece = uint64_t{1} << 20;

void pwrite_all(int fd, const uint8_t *data, size_t len, uint64_t pos) {
  while (len > 0) {
    const ssize_t n = ::pwrite(fd, data, len, static_cast<off_t>(pos));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::system_error(errno, std::generic_category(), "writing the log spool file");
    data += n;
    len -= static_cast<size_t>(n);
    pos += static_cast<uint64_t>(n);
  }
}

void pread_all(int fd, uint8_t *data, size_t len, uint64_t pos) {
  while (len > 0) {
    const ssize_t n = ::pread(fd, data, len, static_cast<off_t>(pos));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::system_error(n < 0 ? errno : EIO, std::generic_category(), "reading the log spool file");
    data += n;
    len -= static_cast<size_t>(n);
    pos += static_cast<uint64_t>(n);
  }
}
} // namespace

// ---------------------------------------------------------------------------------------------------------------
// SpoolBudget
// ---------------------------------------------------------------------------------------------------------------

uint64_t SpoolBudget::used() const {
  const std::lock_guard lock(mutex_);
  return used_;
}

uint64_t SpoolBudget::waits() const {
  const std::lock_guard lock(mutex_);
  return waits_;
}

uint64_t SpoolBudget::reserved_total() const {
  const std::lock_guard lock(mutex_);
  return reserved_total_;
}

void SpoolBudget::reserve(uint64_t bytes, const std::function<bool()> &released) {
  std::unique_lock lock(mutex_);
  // A reservation larger than the whole quota can only proceed on an empty spool, or it would wait forever.
  auto fits = [&] { return used_ + bytes <= quota_ || (bytes > quota_ && used_ == 0) || released(); };
  if (!fits()) {
    ++waits_;
    cv_.wait(lock, fits);
  }
  used_ += bytes;
  reserved_total_ += bytes;
}

void SpoolBudget::release(uint64_t bytes) {
  {
    const std::lock_guard lock(mutex_);
    used_ -= std::min(bytes, used_);
  }
  cv_.notify_all();
}

void SpoolBudget::wake_all() {
  { const std::lock_guard lock(mutex_); } // order the waiters' predicate re-check after the caller's state change
  cv_.notify_all();
}

// ---------------------------------------------------------------------------------------------------------------
// StreamJournal
// ---------------------------------------------------------------------------------------------------------------

StreamJournal::StreamJournal(std::filesystem::path spool_dir, uint64_t memory_budget, SpoolBudget &budget,
                             std::function<void()> on_data)
    : spool_dir_(std::move(spool_dir)), memory_budget_(memory_budget), budget_(budget), on_data_(std::move(on_data)) {}

StreamJournal::~StreamJournal() {
  budget_.release(disk_bytes_);
  if (fd_ >= 0) ::close(fd_);
}

bool StreamJournal::released() const {
  const std::lock_guard lock(mutex_);
  return released_;
}

void StreamJournal::release_backpressure() {
  {
    const std::lock_guard lock(mutex_);
    released_ = true;
  }
  budget_.wake_all();
}

void StreamJournal::open_spool_file() {
  std::filesystem::create_directories(spool_dir_);
  // Anonymous file: its space is returned when it is closed, also when the worker crashes.
  fd_ = ::open(spool_dir_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    throw std::system_error(errno, std::generic_category(), "creating a log spool file in " + spool_dir_.string());
  }
}

void StreamJournal::append_to_memory(std::span<const uint8_t> bytes) {
  if (pieces_.empty() || pieces_.back().on_disk || pieces_.back().length + bytes.size() > max_memory_piece) {
    Piece p;
    p.offset = end_;
    p.memory = std::move(spare_); // empty, with the capacity of a freed piece (or none)
    spare_ = {};
    p.memory.reserve(std::min<uint64_t>(max_memory_piece, std::max<uint64_t>(bytes.size(), uint64_t{64} * 1024)));
    pieces_.push_back(std::move(p));
  }
  Piece &p = pieces_.back();
  p.memory.insert(p.memory.end(), bytes.begin(), bytes.end());
  p.length += bytes.size();
  memory_bytes_ += bytes.size();
  end_ += bytes.size();
}

void StreamJournal::append_to_disk(std::span<const uint8_t> bytes) {
  if (fd_ < 0) open_spool_file();
  pwrite_all(fd_, bytes.data(), bytes.size(), file_end_);
  if (pieces_.empty() || !pieces_.back().on_disk || pieces_.back().file_pos + pieces_.back().length != file_end_) {
    Piece p;
    p.offset = end_;
    p.on_disk = true;
    p.file_pos = file_end_;
    pieces_.push_back(std::move(p));
  }
  pieces_.back().length += bytes.size();
  file_end_ += bytes.size();
  disk_bytes_ += bytes.size();
  end_ += bytes.size();
}

void StreamJournal::append(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return;
  {
    const std::lock_guard lock(mutex_);
    if (memory_bytes_ + bytes.size() <= memory_budget_) {
      append_to_memory(bytes);
      bytes = {};
    }
  }
  if (!bytes.empty()) {
    // Reserve outside our lock: commit() must be able to run (and free space) while we wait.
    budget_.reserve(bytes.size(), [this] { return released(); });
    const std::lock_guard lock(mutex_);
    try {
      append_to_disk(bytes);
    } catch (...) {
      budget_.release(bytes.size());
      throw;
    }
  }
  if (on_data_) on_data_();
}

size_t StreamJournal::append_to(uint64_t offset, size_t max_bytes, std::string &out) const {
  const std::lock_guard lock(mutex_);
  if (offset < committed_ || offset > end_) {
    throw std::out_of_range("journal read at offset " + std::to_string(offset) + " outside [" +
                            std::to_string(committed_) + ", " + std::to_string(end_) + "]");
  }
  size_t copied = 0;
  // Pieces are few (they are coalesced), so a linear scan from the front is cheap.
  for (const Piece &p : pieces_) {
    if (copied == max_bytes) break;
    const uint64_t at = offset + copied;
    if (at >= p.offset + p.length) continue;
    const uint64_t skip = at - p.offset;
    const size_t n = static_cast<size_t>(std::min<uint64_t>(p.length - skip, max_bytes - copied));
    if (p.on_disk) {
      const size_t base = out.size();
      out.resize(base + n);
      pread_all(fd_, reinterpret_cast<uint8_t *>(out.data() + base), n, p.file_pos + skip);
    } else {
      out.append(reinterpret_cast<const char *>(p.memory.data() + skip), n);
    }
    copied += n;
  }
  return copied;
}

void StreamJournal::commit(uint64_t offset) {
  uint64_t freed_disk = 0;
  {
    const std::lock_guard lock(mutex_);
    offset = std::min(offset, end_);
    if (offset <= committed_) return;
    committed_ = offset;
    while (!pieces_.empty() && pieces_.front().offset + pieces_.front().length <= committed_) {
      Piece &p = pieces_.front();
      if (p.on_disk) {
        freed_disk += p.length;
      } else {
        memory_bytes_ -= p.length;
        if (spare_.capacity() < p.memory.capacity()) { // keep one buffer: a busy stream reuses it, no page faults
          spare_ = std::move(p.memory);
          spare_.clear();
        }
      }
      pieces_.pop_front();
    }
    disk_bytes_ -= freed_disk;
    // Once nothing on disk is live, the file is rewound so the spool does not grow without bound.
    const bool disk_live = std::any_of(pieces_.begin(), pieces_.end(), [](const Piece &p) { return p.on_disk; });
    if (!disk_live && fd_ >= 0 && file_end_ > 0) {
      if (::ftruncate(fd_, 0) == 0) file_end_ = 0;
    }
  }
  if (freed_disk > 0) budget_.release(freed_disk);
}

uint64_t StreamJournal::end_offset() const {
  const std::lock_guard lock(mutex_);
  return end_;
}
uint64_t StreamJournal::committed_offset() const {
  const std::lock_guard lock(mutex_);
  return committed_;
}
uint64_t StreamJournal::memory_bytes() const {
  const std::lock_guard lock(mutex_);
  return memory_bytes_;
}
uint64_t StreamJournal::spooled_bytes() const {
  const std::lock_guard lock(mutex_);
  return disk_bytes_;
}

} // namespace hodei::journal
