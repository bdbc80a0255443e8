#include "artifact_cache.hpp"

#include "sha256.hpp"

#include <algorithm>
#include <spdlog/spdlog.h>
#include <system_error>
#include <unistd.h>

namespace hodei::artifacts {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------------------------
// Lease
// ---------------------------------------------------------------------------------------------------------------

ArtifactCache::Lease::Lease(ArtifactCache *cache, std::string digest, fs::path path)
    : cache_(cache), digest_(std::move(digest)), path_(std::move(path)) {}

ArtifactCache::Lease::Lease(Lease &&other) noexcept
    : cache_(other.cache_), digest_(std::move(other.digest_)), path_(std::move(other.path_)) {
  other.cache_ = nullptr;
}

ArtifactCache::Lease::~Lease() {
  if (cache_ != nullptr) cache_->unpin(digest_);
}

uint64_t ArtifactCache::Lease::size() const { return fs::file_size(path_); }

// ---------------------------------------------------------------------------------------------------------------
// ArtifactCache
// ---------------------------------------------------------------------------------------------------------------

ArtifactCache::ArtifactCache(fs::path dir, uint64_t quota_bytes) : dir_(std::move(dir)), quota_(quota_bytes) {
  fs::create_directories(dir_ / "objects");
  fs::create_directories(dir_ / "tmp");
  // Leftovers of downloads interrupted by a crash are never valid entries.
  for (const fs::directory_entry &e : fs::directory_iterator(dir_ / "tmp")) {
    std::error_code ec;
    fs::remove_all(e.path(), ec);
    spdlog::info("artifact cache: removed the partial download {}", e.path().string());
  }
  // Existing entries, oldest first by modification time, so LRU order survives a restart roughly.
  std::vector<std::pair<fs::file_time_type, std::string>> found;
  for (const fs::directory_entry &e : fs::directory_iterator(dir_ / "objects")) {
    if (!e.is_regular_file()) continue;
    found.emplace_back(e.last_write_time(), e.path().filename().string());
  }
  std::sort(found.begin(), found.end());
  for (const auto &[time, digest] : found) {
    const uint64_t size = fs::file_size(object_path(digest));
    entries_[digest] = {size, ++clock_};
    size_ += size;
  }
}

fs::path ArtifactCache::object_path(const std::string &digest) const { return dir_ / "objects" / digest; }

fs::path ArtifactCache::new_temp_path() {
  const std::lock_guard lock(mutex_);
  return dir_ / "tmp" / (std::to_string(::getpid()) + "-" + std::to_string(++temp_counter_));
}

void ArtifactCache::unpin(const std::string &digest) {
  const std::lock_guard lock(mutex_);
  if (auto it = pins_.find(digest); it != pins_.end() && --it->second == 0) pins_.erase(it);
  evict_to_fit_locked();
}

// Hashes the entry outside the lock (it can be large); a mismatch removes it.
std::optional<ArtifactCache::Lease> ArtifactCache::lookup_verified(const std::string &digest) {
  {
    const std::lock_guard lock(mutex_);
    auto it = entries_.find(digest);
    if (it == entries_.end()) return std::nullopt;
    ++pins_[digest]; // pinned while verifying so eviction leaves it alone
  }
  Lease lease(this, digest, object_path(digest));
  std::string actual;
  try {
    actual = sha256_file(lease.path());
  } catch (const std::exception &e) {
    actual = std::string("unreadable: ") + e.what();
  }
  if (actual == digest) {
    const std::lock_guard lock(mutex_);
    entries_[digest].last_used = ++clock_;
    ++stats_.hits;
    return lease;
  }
  spdlog::warn("artifact cache: entry {} is corrupt (content hashes to {}); fetching it again", digest, actual);
  const std::lock_guard lock(mutex_);
  if (auto it = entries_.find(digest); it != entries_.end()) {
    size_ -= it->second.size;
    entries_.erase(it);
  }
  std::error_code ec;
  fs::remove(object_path(digest), ec);
  ++stats_.corrupt_entries;
  return std::nullopt; // the lease unpins on return
}

ArtifactCache::Lease ArtifactCache::install(const fs::path &temp, const std::string &digest) {
  std::error_code ec;
  fs::permissions(temp, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read, ec);
  fs::rename(temp, object_path(digest)); // atomic: the entry is never visible half-written
  const uint64_t size = fs::file_size(object_path(digest));
  const std::lock_guard lock(mutex_);
  if (auto it = entries_.find(digest); it != entries_.end()) size_ -= it->second.size;
  entries_[digest] = {size, ++clock_};
  size_ += size;
  ++pins_[digest];
  evict_to_fit_locked();
  return {this, digest, object_path(digest)};
}

ArtifactCache::Lease ArtifactCache::get_or_fetch(const std::string &digest, const FetchFn &fetch) {
  for (;;) {
    if (std::optional<Lease> hit = lookup_verified(digest)) return std::move(*hit);
    {
      std::unique_lock lock(mutex_);
      if (entries_.count(digest) != 0) continue; // installed by another job since our lookup
      if (in_flight_.count(digest) != 0) {
        // Someone else is downloading it: wait, then look again (their download may have failed).
        fetch_done_.wait(lock, [&] { return in_flight_.count(digest) == 0; });
        continue;
      }
      in_flight_.insert(digest);
      ++stats_.misses;
    }
    auto done = [&] {
      {
        const std::lock_guard lock(mutex_);
        in_flight_.erase(digest);
      }
      fetch_done_.notify_all();
    };
    const fs::path temp = new_temp_path();
    try {
      const std::string actual = fetch(temp);
      if (actual != digest) {
        throw ChecksumMismatch("checksum mismatch: expected sha256 " + digest + ", the downloaded content has " +
                               actual);
      }
      Lease lease = install(temp, digest);
      done();
      return lease;
    } catch (...) {
      std::error_code ec;
      fs::remove(temp, ec);
      done();
      throw;
    }
  }
}

ArtifactCache::Lease ArtifactCache::adopt(const fs::path &temp, const std::string &digest) {
  {
    const std::lock_guard lock(mutex_);
    ++stats_.misses;
  }
  return install(temp, digest);
}

void ArtifactCache::evict_to_fit_locked() {
  while (size_ > quota_) {
    auto victim = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (pins_.count(it->first) != 0) continue;
      if (victim == entries_.end() || it->second.last_used < victim->second.last_used) victim = it;
    }
    if (victim == entries_.end()) return; // everything left is in use: over quota until leases end
    std::error_code ec;
    fs::remove(object_path(victim->first), ec);
    size_ -= victim->second.size;
    ++stats_.evictions;
    spdlog::debug("artifact cache: evicted {} ({} bytes)", victim->first, victim->second.size);
    entries_.erase(victim);
  }
}

CacheStats ArtifactCache::stats() const {
  const std::lock_guard lock(mutex_);
  CacheStats s = stats_;
  s.size_bytes = size_;
  s.entries = entries_.size();
  return s;
}

} // namespace hodei::artifacts
