#include "artifact_manager.hpp"

#include "plugin-host/plugin_registry.hpp"
#include "sha256.hpp"
#include "transfer_progress.hpp"
#include "workspace_paths.hpp"

#include <cerrno>
#include <fcntl.h>
#include <future>
#include <glob.h>
#include <semaphore>
#include <system_error>
#include <unistd.h>

namespace hodei::artifacts {

namespace fs = std::filesystem;

namespace {

// A file descriptor that closes itself.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd &) = delete;
  Fd &operator=(const Fd &) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string scheme_of(const std::string &uri) {
  const size_t pos = uri.find("://");
  if (pos == std::string::npos || pos == 0) throw ArtifactError("'" + uri + "' is not a URI (expected scheme://...)");
  return uri.substr(0, pos);
}

std::shared_ptr<plugins::ArtifactBackendHandle> backend_for(plugins::PluginRegistry &registry, const std::string &uri) {
  const std::string scheme = scheme_of(uri);
  std::shared_ptr<plugins::ArtifactBackendHandle> backend = registry.backend_for_scheme(scheme);
  if (!backend) {
    std::string loaded;
    for (const plugins::PluginInfo &p : registry.plugins()) {
      for (const std::string &s : p.uri_schemes) loaded += (loaded.empty() ? "" : ", ") + s;
    }
    throw ArtifactError("no artifact backend plugin handles '" + scheme +
                        "://' URIs (loaded schemes: " + (loaded.empty() ? "none" : loaded) + ")");
  }
  return backend;
}

void write_all(int fd, std::span<const uint8_t> bytes, const fs::path &file) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::system_error(errno, std::generic_category(), "writing " + file.string());
    bytes = bytes.subspan(static_cast<size_t>(n));
  }
}

// The URI an output file goes to: a prefix ending in '/' gets the file name appended.
std::string destination_uri(const std::string &uri, const fs::path &file, size_t match_count, const std::string &glob) {
  if (!uri.empty() && uri.back() == '/') return uri + file.filename().string();
  if (match_count > 1) {
    throw ArtifactError("output '" + glob + "' matches " + std::to_string(match_count) + " files but its uri '" + uri +
                        "' names one object; end the uri with '/'");
  }
  return uri;
}

std::vector<fs::path> expand_glob(const fs::path &workspace, const std::string &pattern) {
  resolve_inside(workspace, pattern); // refuses absolute and '..' patterns before glob sees them
  glob_t g{};
  const std::string full = (workspace / pattern).string();
  // glob is MT-Unsafe only through the environment and locale, which nobody changes after start-up.
  const int rc = ::glob(full.c_str(), GLOB_ERR, nullptr, &g); // NOLINT(concurrency-mt-unsafe)
  std::vector<fs::path> out;
  if (rc == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
  if (rc != 0 && rc != GLOB_NOMATCH) throw ArtifactError("output '" + pattern + "': cannot read the workspace");
  return out;
}

} // namespace

ArtifactManager::ArtifactManager(plugins::PluginRegistry &registry, ArtifactCache &cache, ManagerOptions options)
    : registry_(registry), cache_(cache), options_(options) {}

// Streams `uri` into `file` (created exclusively), hashing as it goes; returns the hex SHA-256.
std::string ArtifactManager::download_to(const std::string &uri, const fs::path &file, const ProgressFn &progress,
                                         const CancelFn &cancelled) {
  std::shared_ptr<plugins::ArtifactBackendHandle> backend = backend_for(registry_, uri);
  const Fd out(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (out.fd < 0) throw std::system_error(errno, std::generic_category(), "creating " + file.string());
  Sha256 hash;
  TransferProgress meter("downloading", uri, progress);
  backend->get(
      uri, 0, std::nullopt,
      [&](std::span<const uint8_t> bytes) {
        hash.update(bytes);
        write_all(out.fd, bytes, file);
        meter.add(bytes.size());
        downloaded_bytes_.fetch_add(bytes.size(), std::memory_order_relaxed);
      },
      cancelled ? cancelled : [] { return false; });
  if (::fsync(out.fd) != 0) throw std::system_error(errno, std::generic_category(), "fsync " + file.string());
  meter.finish();
  return hash.hex_digest();
}

TransferTotals ArtifactManager::transfer_totals() const noexcept {
  return {downloaded_bytes_.load(std::memory_order_relaxed), uploaded_bytes_.load(std::memory_order_relaxed)};
}

void ArtifactManager::place(const fs::path &cached, const fs::path &dest) const {
  fs::create_directories(dest.parent_path());
  std::error_code ec;
  fs::remove(dest, ec);
  if (options_.link_mode == LinkMode::hardlink) {
    fs::create_hard_link(cached, dest, ec);
    if (!ec) return;
    // EXDEV (workspace on another file system) or a file system without links: fall back to a copy.
  }
  fs::copy_file(cached, dest, fs::copy_options::overwrite_existing);
  fs::permissions(dest,
                  fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
}

ArtifactRecord ArtifactManager::fetch_one(const job::ArtifactInput &input, const fs::path &workspace,
                                          const ProgressFn &progress, const CancelFn &cancelled) {
  ArtifactRecord rec;
  rec.direction = ArtifactRecord::Direction::input;
  rec.uri = input.uri;
  rec.path = input.path;
  fs::path dest;
  try {
    dest = resolve_inside(workspace, input.path);
  } catch (const std::invalid_argument &e) {
    throw ArtifactError("input " + input.uri + ": path " + e.what());
  }
  try {
    if (input.sha256) {
      const uint64_t misses_before = cache_.stats().misses;
      ArtifactCache::Lease lease = cache_.get_or_fetch(
          *input.sha256, [&](const fs::path &temp) { return download_to(input.uri, temp, progress, cancelled); });
      rec.cache_hit = cache_.stats().misses == misses_before;
      place(lease.path(), dest);
      rec.sha256 = lease.digest();
      rec.size = lease.size();
      if (rec.cache_hit && progress) progress("input " + input.path + ": cache hit (sha256 " + rec.sha256 + ")");
    } else {
      // No digest to look up: download, then keep it in the cache under the digest we computed.
      const fs::path temp = cache_.new_temp_path();
      std::string digest;
      try {
        digest = download_to(input.uri, temp, progress, cancelled);
      } catch (...) {
        std::error_code ec;
        fs::remove(temp, ec);
        throw;
      }
      ArtifactCache::Lease lease = cache_.adopt(temp, digest);
      place(lease.path(), dest);
      rec.sha256 = digest;
      rec.size = lease.size();
    }
  } catch (const ArtifactError &) {
    throw;
  } catch (const std::exception &e) {
    throw ArtifactError("input " + input.uri + ": " + e.what());
  }
  return rec;
}

std::vector<ArtifactRecord> ArtifactManager::fetch_inputs(const std::vector<job::ArtifactInput> &inputs,
                                                          const fs::path &workspace, const ProgressFn &progress,
                                                          const CancelFn &cancelled) {
  // Bounded parallelism: at most parallel_transfers downloads run at once.
  std::counting_semaphore<64> slots(std::min<uint32_t>(std::max<uint32_t>(options_.parallel_transfers, 1), 64));
  std::vector<std::future<ArtifactRecord>> futures;
  futures.reserve(inputs.size());
  for (const job::ArtifactInput &input : inputs) {
    futures.push_back(std::async(std::launch::async, [&, input] {
      slots.acquire();
      struct Release {
        std::counting_semaphore<64> &s;
        ~Release() { s.release(); }
      } release{slots};
      return fetch_one(input, workspace, progress, cancelled);
    }));
  }
  std::vector<ArtifactRecord> records;
  std::exception_ptr first_error;
  for (std::future<ArtifactRecord> &f : futures) { // wait for all, even after a failure: they use our references
    try {
      records.push_back(f.get());
    } catch (...) {
      if (!first_error) first_error = std::current_exception();
    }
  }
  if (first_error) std::rethrow_exception(first_error);
  return records;
}

ArtifactRecord ArtifactManager::upload_file(const fs::path &file, const std::string &uri, const ProgressFn &progress,
                                            const CancelFn &cancelled) {
  std::shared_ptr<plugins::ArtifactBackendHandle> backend = backend_for(registry_, uri);
  // O_NOFOLLOW: the last component was checked to be a regular file inside the workspace; never follow a link
  // swapped in since.
  const Fd in(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (in.fd < 0) throw std::system_error(errno, std::generic_category(), "opening " + file.string());
  const uint64_t size = fs::file_size(file);
  Sha256 hash;
  TransferProgress meter("uploading", uri, progress);
  backend->put(
      uri,
      [&](std::span<uint8_t> buf) -> size_t {
        for (;;) {
          const ssize_t n = ::read(in.fd, buf.data(), buf.size());
          if (n < 0 && errno == EINTR) continue;
          if (n < 0) throw std::system_error(errno, std::generic_category(), "reading " + file.string());
          hash.update(std::span<const uint8_t>(buf.data(), static_cast<size_t>(n)));
          meter.add(static_cast<uint64_t>(n));
          uploaded_bytes_.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
          return static_cast<size_t>(n);
        }
      },
      size, std::nullopt, cancelled ? cancelled : [] { return false; });
  meter.finish();
  ArtifactRecord rec;
  rec.direction = ArtifactRecord::Direction::output;
  rec.uri = uri;
  rec.size = size;
  rec.sha256 = hash.hex_digest();
  return rec;
}

ArtifactRecord ArtifactManager::download_file(const std::string &uri, const fs::path &file, const ProgressFn &progress,
                                              const CancelFn &cancelled) {
  const fs::path temp = file.string() + ".hodei-partial";
  std::error_code ec;
  fs::remove(temp, ec);
  ArtifactRecord rec;
  rec.uri = uri;
  try {
    rec.sha256 = download_to(uri, temp, progress, cancelled);
    fs::rename(temp, file);
  } catch (...) {
    fs::remove(temp, ec);
    throw;
  }
  rec.size = fs::file_size(file);
  return rec;
}

std::vector<ArtifactRecord> ArtifactManager::upload_outputs(const std::vector<job::ArtifactOutput> &outputs,
                                                            const fs::path &workspace, bool job_succeeded,
                                                            const ProgressFn &progress, const CancelFn &cancelled) {
  std::vector<ArtifactRecord> records;
  for (const job::ArtifactOutput &out : outputs) {
    if (!job_succeeded && !out.on_failure) continue;
    std::vector<fs::path> matches;
    try {
      matches = expand_glob(workspace, out.path);
    } catch (const std::invalid_argument &e) {
      throw ArtifactError("output " + out.path + ": " + e.what());
    }
    if (matches.empty() && progress) progress("output " + out.path + ": no matching files, nothing uploaded");
    for (const fs::path &file : matches) {
      const std::string rel = fs::relative(file, workspace).string();
      if (!is_inside(workspace, file)) {
        throw ArtifactError("output " + rel + ": leads outside the workspace through a symbolic link");
      }
      if (!fs::is_regular_file(fs::symlink_status(file))) {
        if (progress) progress("output " + rel + ": not a regular file, skipped");
        continue;
      }
      const std::string uri = destination_uri(out.uri, file, matches.size(), out.path);
      try {
        ArtifactRecord rec = upload_file(file, uri, progress, cancelled);
        rec.path = rel;
        records.push_back(std::move(rec));
      } catch (const std::exception &e) {
        throw ArtifactError("output " + rel + " -> " + uri + ": " + e.what());
      }
    }
  }
  return records;
}

} // namespace hodei::artifacts
