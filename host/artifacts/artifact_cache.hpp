// Content-addressed artifact cache: objects/<sha256>, a size quota with LRU eviction, one download per digest even
// when several jobs ask at once, entries in use never evicted, partial files never visible (downloads land in tmp/
// and are renamed in only after their digest checked out), and every entry re-verified before use so a corrupted
// file (a byte flipped on disk, a job that wrote through a hard link) is detected and fetched again.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace hodei::artifacts {

struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t evictions = 0;
  uint64_t corrupt_entries = 0; // detected on verification and removed
  uint64_t size_bytes = 0;
  uint64_t entries = 0;
};

// Thrown when downloaded bytes do not hash to the expected digest.
class ChecksumMismatch : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

class ArtifactCache {
public:
  // Keeps entries in use pinned; released when the Lease goes away.
  class Lease {
  public:
    Lease(ArtifactCache *cache, std::string digest, std::filesystem::path path);
    Lease(Lease &&other) noexcept;
    Lease &operator=(Lease &&) = delete;
    Lease(const Lease &) = delete;
    Lease &operator=(const Lease &) = delete;
    ~Lease();
    [[nodiscard]] const std::filesystem::path &path() const noexcept { return path_; }
    [[nodiscard]] const std::string &digest() const noexcept { return digest_; }
    [[nodiscard]] uint64_t size() const;

  private:
    ArtifactCache *cache_;
    std::string digest_;
    std::filesystem::path path_;
  };

  // Downloads into `temp` (a fresh file path in the cache's tmp folder) and returns the SHA-256 of what it wrote.
  using FetchFn = std::function<std::string(const std::filesystem::path &temp)>;

  // Creates the folders; removes leftovers of interrupted downloads; indexes existing entries.
  ArtifactCache(std::filesystem::path dir, uint64_t quota_bytes);

  // The verified entry for `digest`, fetching it with `fetch` when missing or corrupt. Concurrent calls for one
  // digest share a single fetch. Throws ChecksumMismatch (both digests in the message) or whatever `fetch` threw;
  // nothing is left in the cache then.
  Lease get_or_fetch(const std::string &digest, const FetchFn &fetch);

  // Adds a downloaded file whose digest was not known in advance (moves `temp` in). Returns the pinned entry.
  Lease adopt(const std::filesystem::path &temp, const std::string &digest);

  // A unique path in the tmp folder (not created).
  std::filesystem::path new_temp_path();

  [[nodiscard]] CacheStats stats() const;
  [[nodiscard]] const std::filesystem::path &dir() const noexcept { return dir_; }

private:
  struct Entry {
    uint64_t size = 0;
    uint64_t last_used = 0; // logical clock
  };
  std::filesystem::path object_path(const std::string &digest) const;
  std::optional<Lease> lookup_verified(const std::string &digest);
  Lease install(const std::filesystem::path &temp, const std::string &digest);
  void evict_to_fit_locked();
  void unpin(const std::string &digest);

  std::filesystem::path dir_;
  uint64_t quota_;
  mutable std::mutex mutex_;
  std::condition_variable fetch_done_;
  std::map<std::string, Entry> entries_;
  std::map<std::string, int> pins_;
  std::set<std::string> in_flight_;
  uint64_t clock_ = 0;
  uint64_t size_ = 0;
  uint64_t temp_counter_ = 0;
  CacheStats stats_;
};

} // namespace hodei::artifacts
