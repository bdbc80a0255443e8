#include "artifacts/artifact_cache.hpp"
#include "artifacts/sha256.hpp"
#include "artifacts/workspace_paths.hpp"
#include "temp_dir.hpp"

#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

namespace fs = std::filesystem;
using hodei::artifacts::ArtifactCache;

namespace {

using hodei::test::TempDir;

void write_file(const fs::path &p, const std::string &content) { std::ofstream(p, std::ios::binary) << content; }

std::string read_file(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string digest_of(const std::string &content) {
  const TempDir d("hodei-cache-test");
  write_file(d.path() / "f", content);
  return hodei::artifacts::sha256_file(d.path() / "f");
}

// A fetch function that "downloads" `content` and counts its calls.
ArtifactCache::FetchFn serving(const std::string &content, std::atomic<int> &calls,
                               std::chrono::milliseconds delay = std::chrono::milliseconds(0)) {
  return [&content, &calls, delay](const fs::path &temp) {
    ++calls;
    std::this_thread::sleep_for(delay);
    write_file(temp, content);
    return hodei::artifacts::sha256_file(temp);
  };
}

} // namespace

TEST_CASE("sha256 of a known text matches the published digest") {
  CHECK(digest_of("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(digest_of("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("cache fetches once, then serves verified hits") {
  const TempDir d("hodei-cache-test");
  ArtifactCache cache(d.path(), 1 << 20);
  const std::string content = "artifact content";
  std::atomic<int> calls{0};
  const std::string digest = digest_of(content);
  {
    const ArtifactCache::Lease a = cache.get_or_fetch(digest, serving(content, calls));
    CHECK(read_file(a.path()) == content);
  }
  const ArtifactCache::Lease b = cache.get_or_fetch(digest, serving(content, calls));
  CHECK(calls == 1);
  CHECK(cache.stats().hits == 1);
  CHECK(cache.stats().misses == 1);
}

TEST_CASE("two concurrent jobs needing the same input cause one download") {
  const TempDir d("hodei-cache-test");
  ArtifactCache cache(d.path(), 1 << 20);
  const std::string content(100000, 'x');
  const std::string digest = digest_of(content);
  std::atomic<int> calls{0};
  // Catch assertions are not thread-safe (TSan reports them): the threads only record, the test thread checks.
  std::array<std::string, 4> seen;
  std::vector<std::thread> jobs;
  jobs.reserve(seen.size());
  for (std::string &got : seen) {
    jobs.emplace_back([&] {
      const ArtifactCache::Lease l =
          cache.get_or_fetch(digest, serving(content, calls, std::chrono::milliseconds(200)));
      got = read_file(l.path());
    });
  }
  for (std::thread &t : jobs) t.join();
  for (const std::string &got : seen) CHECK(got == content);
  CHECK(calls == 1);
}

TEST_CASE("a checksum mismatch fails with both digests and leaves nothing in the cache") {
  const TempDir d("hodei-cache-test");
  ArtifactCache cache(d.path(), 1 << 20);
  std::atomic<int> calls{0};
  const std::string wanted = digest_of("the real thing");
  const std::string served = "something else";
  try {
    (void)cache.get_or_fetch(wanted, serving(served, calls));
    FAIL("expected a checksum mismatch");
  } catch (const hodei::artifacts::ChecksumMismatch &e) {
    CHECK(std::string(e.what()).find(wanted) != std::string::npos);
    CHECK(std::string(e.what()).find(digest_of(served)) != std::string::npos);
  }
  CHECK(fs::is_empty(d.path() / "objects"));
  CHECK(fs::is_empty(d.path() / "tmp"));
}

TEST_CASE("a flipped byte in a cache entry is detected before use and fetched again") {
  const TempDir d("hodei-cache-test");
  ArtifactCache cache(d.path(), 1 << 20);
  const std::string content = "0123456789abcdef";
  const std::string digest = digest_of(content);
  std::atomic<int> calls{0};
  fs::path entry;
  {
    const ArtifactCache::Lease l = cache.get_or_fetch(digest, serving(content, calls));
    entry = l.path();
  }
  fs::permissions(entry, fs::perms::owner_write, fs::perm_options::add);
  {
    std::fstream f(entry, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(5);
    f.put('X');
  }
  const ArtifactCache::Lease again = cache.get_or_fetch(digest, serving(content, calls));
  CHECK(calls == 2);
  CHECK(read_file(again.path()) == content);
  CHECK(cache.stats().corrupt_entries == 1);
}

TEST_CASE("entries are evicted least recently used first to stay under the quota, never while in use") {
  const TempDir d("hodei-cache-test");
  ArtifactCache cache(d.path(), 250);
  std::atomic<int> calls{0};
  const std::string a(100, 'a'), b(100, 'b'), c(100, 'c');
  (void)cache.get_or_fetch(digest_of(a), serving(a, calls));
  (void)cache.get_or_fetch(digest_of(b), serving(b, calls));
  (void)cache.get_or_fetch(digest_of(a), serving(a, calls)); // a is now more recent than b
  {
    const ArtifactCache::Lease held = cache.get_or_fetch(digest_of(c), serving(c, calls));
    CHECK(cache.stats().evictions == 1);
    CHECK(cache.stats().size_bytes <= 250);
    CHECK(fs::exists(d.path() / "objects" / digest_of(a)));
    CHECK_FALSE(fs::exists(d.path() / "objects" / digest_of(b)));
  }
  // Pinned entries are kept even over quota.
  const std::string big(300, 'z');
  const ArtifactCache::Lease pinned = cache.get_or_fetch(digest_of(big), serving(big, calls));
  CHECK(fs::exists(pinned.path()));
}

TEST_CASE("a half-written temp file is removed when the cache starts") {
  const TempDir d("hodei-cache-test");
  fs::create_directories(d.path() / "tmp");
  write_file(d.path() / "tmp" / "123-1", "partial");
  const ArtifactCache cache(d.path(), 1 << 20);
  CHECK(fs::is_empty(d.path() / "tmp"));
  CHECK(cache.stats().entries == 0);
}

TEST_CASE("cache entries survive a restart") {
  const TempDir d("hodei-cache-test");
  std::atomic<int> calls{0};
  const std::string content = "persisted";
  {
    ArtifactCache cache(d.path(), 1 << 20);
    (void)cache.get_or_fetch(digest_of(content), serving(content, calls));
  }
  ArtifactCache cache(d.path(), 1 << 20);
  CHECK(cache.stats().entries == 1);
  (void)cache.get_or_fetch(digest_of(content), serving(content, calls));
  CHECK(calls == 1);
}

TEST_CASE("workspace paths refuse absolute paths, '..' and symlinks leading out") {
  const TempDir d("hodei-cache-test");
  const fs::path ws = d.path() / "ws";
  fs::create_directories(ws);
  using hodei::artifacts::resolve_inside;
  CHECK(resolve_inside(ws, "a/b.txt") == ws / "a/b.txt");
  CHECK_THROWS_WITH(resolve_inside(ws, "/etc/passwd"), Catch::Contains("absolute"));
  CHECK_THROWS_WITH(resolve_inside(ws, "a/../../x"), Catch::Contains(".."));
  fs::create_directory_symlink("/etc", ws / "link");
  CHECK_THROWS_WITH(resolve_inside(ws, "link/passwd"), Catch::Contains("outside the workspace"));
  fs::create_directories(ws / "inner");
  fs::create_directory_symlink(ws / "inner", ws / "ok-link");
  CHECK_NOTHROW(resolve_inside(ws, "ok-link/file"));
}
