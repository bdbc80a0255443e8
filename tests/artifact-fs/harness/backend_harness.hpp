// Test harness for artifact-backend plugins: loads the .so with dlopen and drives its C ABI directly, with small
// read/write streams and a cancel token written for the tests. Shared by tests/artifact-fs and tests/artifact-s3.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <hodei/plugin_api.h>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hodei::test {

std::string sha256_hex(std::string_view data);

// Deterministic pseudo-random bytes: byte i of stream `seed` is the same whatever the chunking, so huge objects
// never need to be held in memory.
void pattern_fill(uint64_t seed, uint64_t offset, char *out, size_t len);
std::string pattern_bytes(uint64_t seed, uint64_t offset, size_t len);
// SHA-256 of bytes [offset, offset + len) of pattern `seed`.
std::string pattern_sha256(uint64_t seed, uint64_t offset, uint64_t len);

// Host services for the plugin: settings for config_get, and the log lines it wrote.
class FakeHost {
public:
  FakeHost();
  std::map<std::string, std::string> settings;
  [[nodiscard]] const hodei_host_services *services() const noexcept { return &services_; }
  [[nodiscard]] std::vector<std::string> logs() const;

private:
  static void log(void *ctx, int32_t level, const char *message);
  static hodei_status config_get(void *ctx, const char *key, char *buf, size_t cap, size_t *out_len);
  static const void *get_extension(void *ctx, const char *id);
  hodei_host_services services_{};
  mutable std::mutex mutex_;
  std::vector<std::string> logs_;
};

// A cancel token the test flips.
class CancelFlag {
public:
  CancelFlag();
  void cancel() noexcept { flag_.store(true); }
  [[nodiscard]] const hodei_cancel_token *token() const noexcept { return &token_; }

private:
  static int32_t is_cancelled(void *ctx);
  std::atomic<bool> flag_{false};
  hodei_cancel_token token_{};
};

// The bytes put() reads: an explicit string or a pattern, delivered in chunks of at most `chunk` bytes.
class ReadSource {
public:
  static ReadSource of(std::string data);
  static ReadSource pattern(uint64_t size, uint64_t seed);

  ReadSource &chunk(size_t n) {
    chunk_ = n;
    return *this;
  }
  ReadSource &size_unknown() {
    announce_size_ = false;
    return *this;
  }
  ReadSource &announce(uint64_t size) {
    announced_ = size;
    return *this;
  }
  // Calls `hook` once, when the read position first reaches `offset`.
  ReadSource &at(uint64_t offset, std::function<void()> hook);
  // Makes read fail with `status` once `offset` bytes were delivered.
  ReadSource &fail_at(uint64_t offset, hodei_status status);

  [[nodiscard]] uint64_t size() const noexcept { return size_; }
  [[nodiscard]] uint64_t delivered() const noexcept { return pos_; }
  [[nodiscard]] std::string sha256() const; // of all `size` bytes
  const hodei_read_stream *stream();

private:
  static hodei_status read(void *ctx, uint8_t *buf, size_t cap, size_t *out_len);
  std::optional<std::string> data_;
  uint64_t seed_ = 0;
  uint64_t size_ = 0;
  uint64_t pos_ = 0;
  size_t chunk_ = 64 * 1024;
  bool announce_size_ = true;
  std::optional<uint64_t> announced_;
  std::vector<std::pair<uint64_t, std::function<void()>>> hooks_;
  std::optional<std::pair<uint64_t, hodei_status>> failure_;
  hodei_read_stream stream_{};
};

// Where get() writes: hashes everything, keeps the bytes up to `keep_limit`, records chunk sizes.
class WriteSink {
public:
  WriteSink();
  WriteSink(const WriteSink &) = delete;
  WriteSink &operator=(const WriteSink &) = delete;
  WriteSink &fail_after(uint64_t bytes, hodei_status status);
  WriteSink &keep_up_to(size_t bytes) {
    keep_limit_ = bytes;
    return *this;
  }

  [[nodiscard]] const hodei_write_stream *stream() const noexcept { return &stream_; }
  [[nodiscard]] uint64_t bytes() const noexcept { return total_; }
  [[nodiscard]] const std::string &kept() const noexcept { return kept_; }
  [[nodiscard]] const std::vector<size_t> &chunks() const noexcept { return chunks_; }
  std::string sha256(); // finishes the digest: write no more after it

private:
  static hodei_status write(void *ctx, const uint8_t *data, size_t len);
  struct Hasher;
  std::shared_ptr<Hasher> hasher_;
  uint64_t total_ = 0;
  size_t keep_limit_ = 1 << 20;
  std::string kept_;
  std::vector<size_t> chunks_;
  std::optional<std::pair<uint64_t, hodei_status>> failure_;
  hodei_write_stream stream_{};
};

struct CallResult {
  hodei_status status = HODEI_OK;
  std::string message;
  [[nodiscard]] bool ok() const noexcept { return status == HODEI_OK; }
};

struct InfoResult : CallResult {
  hodei_object_info info{};
};

struct ListEntry {
  std::string uri;
  hodei_object_info info;
};

struct ListResult : CallResult {
  std::vector<ListEntry> entries;
  [[nodiscard]] std::vector<std::string> uris() const;
};

// A loaded and initialised plugin instance. dlclose and deinit on destruction.
class LoadedBackend {
public:
  LoadedBackend(const std::string &so_path, const std::string &config_json, const FakeHost &host);
  ~LoadedBackend();
  LoadedBackend(const LoadedBackend &) = delete;
  LoadedBackend &operator=(const LoadedBackend &) = delete;

  // Status and message of init; the calls below need it to be HODEI_OK.
  [[nodiscard]] const CallResult &init_result() const noexcept { return init_; }
  [[nodiscard]] const hodei_plugin_descriptor &descriptor() const noexcept { return *plugin_->descriptor; }
  [[nodiscard]] const hodei_artifact_backend_v1 &api() const noexcept { return *api_; }

  InfoResult put(const std::string &uri, ReadSource &src, const char *expected_sha256 = nullptr,
                 const hodei_cancel_token *cancel = nullptr);
  CallResult get(const std::string &uri, WriteSink &dst, uint64_t offset = 0, uint64_t length = HODEI_SIZE_UNKNOWN,
                 const hodei_cancel_token *cancel = nullptr);
  InfoResult stat(const std::string &uri);
  CallResult remove(const std::string &uri);
  // Stops after `limit` entries (the callback returns non-zero).
  ListResult list(const std::string &prefix, size_t limit = SIZE_MAX, const hodei_cancel_token *cancel = nullptr);

private:
  void *lib_ = nullptr;
  const hodei_plugin *plugin_ = nullptr;
  void *ctx_ = nullptr;
  const hodei_artifact_backend_v1 *api_ = nullptr;
  CallResult init_;
};

// A fresh folder under /tmp, removed with everything in it on destruction.
class TempDir {
public:
  explicit TempDir(const std::string &tag = "hodei-test");
  ~TempDir();
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  [[nodiscard]] const std::string &path() const noexcept { return path_; }

private:
  std::string path_;
};

// Sets an environment variable for the scope, restoring the previous value (or absence) afterwards.
class ScopedEnv {
public:
  ScopedEnv(std::string name, const std::optional<std::string> &value);
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv &) = delete;
  ScopedEnv &operator=(const ScopedEnv &) = delete;

private:
  std::string name_;
  std::optional<std::string> old_;
};

} // namespace hodei::test
