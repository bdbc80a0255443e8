// Job output, one append-only file per (job, stream): <data>/jobs/<job id>/<stream>.log. A stream's committed
// offset is its file's size, so it survives restarts without bookkeeping. Appends are addressed by offset and
// idempotent: bytes already committed are skipped (and compared), bytes past the committed offset are refused.
//
// Durability (docs/protocol.md, "Durability"): append() returns after the bytes reached the OS (write(2)) and never
// waits for the disk, so the stream's reader goes on with the next chunks while the disk syncs. With LogSync::fsync
// the file is queued as dirty; sync_dirty() (run by the state journal's committer before each of its fdatasyncs)
// fdatasyncs every dirty file and advances its synced() offset. The control plane acknowledges an offset only
// after a commit round that started after the append (Journal::sync_point), so no LogAck exceeds synced().
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
#include <vector>

namespace hodei::devserver {

enum class LogSync {
  fsync, // fdatasync before the ack (by sync_dirty(), pipelined with the next appends; default)
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

  // fdatasyncs every file appended to since the last call (and the folders of new files). Called by one thread at a
  // time (the journal's committer). Throws std::system_error.
  void sync_dirty();

  // Bytes of a stream known to be on disk: fdatasync'ed by sync_dirty(), or present when the file was opened (then
  // fdatasync'ed with LogSync::fsync). With LogSync::os, the committed offset. Thread-safe.
  [[nodiscard]] uint64_t synced(const std::string &job_id, LogStream stream) const;

  // Closes the job's open files (after its result is stored). Later appends reopen them.
  void release(const std::string &job_id);

  [[nodiscard]] std::filesystem::path path(const std::string &job_id, LogStream stream) const;

private:
  struct File {
    std::mutex mutex;
    UniqueFd fd; // O_RDWR | O_APPEND, opened on first append
    uint64_t size = 0;
    uint64_t synced = 0;
    bool queued = false;                 // in dirty_
    std::filesystem::path new_entry_dir; // a folder whose new entry (this file) is not fsync'ed yet
    bool new_job_dir = false;            // the job's folder was created too: fsync the jobs folder
  };
  using Key = std::pair<std::string, LogStream>;

  std::shared_ptr<File> file_for(const Key &key);
  void open_file(File &file, const std::filesystem::path &file_path); // file.mutex held

  std::filesystem::path jobs_dir_;
  LogSync sync_;
  mutable std::mutex files_mutex_; // guards files_ (not the files)
  std::map<Key, std::shared_ptr<File>> files_;
  mutable std::map<Key, uint64_t> closed_sizes_; // committed offsets of streams without an open File
  std::mutex dirty_mutex_;
  std::vector<std::shared_ptr<File>> dirty_; // LogSync::fsync: appended to since the last sync_dirty()
};

} // namespace hodei::devserver
