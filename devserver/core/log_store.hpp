// Job output, one append-only file per (job, stream): <data>/jobs/<job id>/<stream>.log. A stream's committed
// offset is its file's size, so it survives restarts without bookkeeping. Appends are addressed by offset and
// idempotent: bytes already committed are skipped (and compared), bytes past the committed offset are refused.
//
// Durability (docs/protocol.md, "Durability"): append() returns after the bytes reached the OS (write(2)); with
// LogSync::fsync also after fdatasync, so an acknowledged byte survives a power loss too.
#pragma once

#include "devserver/core/job_state.hpp"
#include "devserver/core/unique_fd.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace hodei::devserver {

enum class LogSync {
  fsync, // fdatasync before append() returns (default)
  os,    // write(2) only: survives a devserver crash, not an OS crash or power loss
};

struct AppendResult {
  uint64_t committed = 0;       // the stream's committed offset after the call
  uint64_t appended = 0;        // new bytes stored by this call
  uint64_t duplicate_bytes = 0; // bytes of the chunk that were already committed (skipped)
  bool gap = false;             // offset > committed: nothing was stored
  bool mismatch = false;        // some skipped bytes differ from the committed ones (the committed ones are kept)
};

class LogStore {
public:
  LogStore(std::filesystem::path jobs_dir, LogSync sync);

  // Stores the part of `data` (which starts at `offset` of the stream) past the committed offset. Thread-safe;
  // appends to the same stream are serialized. Throws std::system_error on I/O failure (the committed offset then
  // still matches the file).
  AppendResult append(const std::string &job_id, LogStream stream, uint64_t offset, std::string_view data);

  // Committed bytes of a stream (0 if it has none). Thread-safe.
  [[nodiscard]] uint64_t committed(const std::string &job_id, LogStream stream) const;

  // Up to `max_bytes` committed bytes from `offset` (fewer at the end). Thread-safe.
  [[nodiscard]] std::string read(const std::string &job_id, LogStream stream, uint64_t offset,
                                 std::size_t max_bytes) const;

  // Closes the job's open files (after its result is stored). Later appends reopen them.
  void release(const std::string &job_id);

  [[nodiscard]] std::filesystem::path path(const std::string &job_id, LogStream stream) const;

private:
  struct File {
    std::mutex mutex;
    UniqueFd fd; // O_RDWR | O_APPEND, opened on first append
    uint64_t size = 0;
  };
  using Key = std::pair<std::string, LogStream>;

  std::shared_ptr<File> file_for(const Key &key);

  std::filesystem::path jobs_dir_;
  LogSync sync_;
  mutable std::mutex files_mutex_; // guards files_ (not the files)
  std::map<Key, std::shared_ptr<File>> files_;
};

} // namespace hodei::devserver
