#include "fs_backend.hpp"

#include "file_uri.hpp"
#include "object_info.hpp"
#include "sha256.hpp"
#include "temp_file.hpp"
#include "tree_walk.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <filesystem>
#include <vector>

namespace hodei::artifact_fs {
namespace {

// Bytes moved per read/write: large enough for throughput, and the ≥ 64 KiB chunk size the host expects.
constexpr size_t kChunkSize = size_t{256} * 1024;

// put and remove replace or delete a symlink itself, never its target, but one pointing out of the root is refused
// all the same, like get and stat refuse it.
void refuse_escaping_symlink(const RootJail &jail, const std::string &rel, const std::string &uri) {
  const UniqueFd existing = jail.open(rel, O_PATH);
  if (!existing.valid() && (errno == EXDEV || errno == ELOOP)) throw_errno(errno, "open", uri);
}

struct stat fstat_or_throw(int fd, const std::string &uri) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw_errno(errno, "stat", uri);
  return st;
}

} // namespace

FsBackend::FsBackend(const sdk::Host &host, const FsConfig &config) : host_(host), jail_(config.root) {
  host_.debug(
      "artifact root " + jail_.root() +
      (jail_.root() != jail_.canonical_root() ? " (resolves to " + jail_.canonical_root() + ")" : std::string()) +
      (jail_.uses_openat2() ? "; paths resolved with openat2(RESOLVE_BENEATH)"
                            : "; openat2 unavailable, paths resolved with realpath checks"));
}

std::string FsBackend::object_rel(const std::string &uri) const {
  const std::string path = path_from_file_uri(uri);
  if (path.back() == '/') throw sdk::invalid_argument(uri + ": names a folder, not a file");
  std::string rel = jail_.relative(path, uri);
  if (rel.empty()) throw sdk::invalid_argument(uri + ": names the artifact root itself, not a file");
  return rel;
}

sdk::ObjectInfo FsBackend::put(const std::string &uri, const sdk::ReadStream &src,
                               const std::optional<std::string> &expected_sha256, const sdk::CancelToken &cancel) {
  if (expected_sha256 && !is_sha256_hex(*expected_sha256))
    throw sdk::invalid_argument("expected_sha256: expected 64 hex digits, got \"" + *expected_sha256 + "\"");
  const std::string rel = object_rel(uri);
  const std::filesystem::path rel_path(rel);
  const std::string name = rel_path.filename().string();
  if (name.rfind(kTempPrefix, 0) == 0)
    throw sdk::invalid_argument(uri + ": names starting with \"" + std::string(kTempPrefix) + "\" are reserved");

  const UniqueFd dir = jail_.open_dir(rel_path.parent_path().string(), /*create=*/true, uri);
  refuse_escaping_symlink(jail_, rel, uri);
  TempFile temp(dir.get(), name, uri);
  Sha256 sha;
  std::vector<char> buf(kChunkSize);
  uint64_t total = 0;
  for (;;) {
    cancel.throw_if_cancelled();
    const size_t n = src.read(buf.data(), buf.size());
    if (n == 0) break;
    sha.update(buf.data(), n);
    temp.write_all(buf.data(), n);
    total += n;
  }
  if (src.size() && *src.size() != total)
    throw sdk::io_error(uri + ": the source delivered " + std::to_string(total) + " bytes but announced " +
                        std::to_string(*src.size()));
  std::string digest = sha.hex_digest();
  if (expected_sha256 && to_lower(*expected_sha256) != digest)
    throw sdk::Error(HODEI_ERR_CHECKSUM_MISMATCH, uri + ": SHA-256 mismatch: expected " + to_lower(*expected_sha256) +
                                                      ", the " + std::to_string(total) + " bytes received hash to " +
                                                      digest + "; nothing was stored");
  cancel.throw_if_cancelled();
  const struct stat st = fstat_or_throw(temp.fd(), uri);
  temp.commit();
  sdk::ObjectInfo info = info_from_stat(st);
  info.sha256_hex = std::move(digest);
  return info;
}

void FsBackend::get(const std::string &uri, uint64_t offset, uint64_t length, const sdk::WriteStream &dst,
                    const sdk::CancelToken &cancel) {
  const std::string rel = object_rel(uri);
  const UniqueFd fd = jail_.open(rel, O_RDONLY);
  if (!fd.valid()) throw_errno(errno, "open", uri);
  const struct stat st = fstat_or_throw(fd.get(), uri);
  if (!S_ISREG(st.st_mode)) throw sdk::invalid_argument(uri + ": not a regular file");
  const auto size = static_cast<uint64_t>(st.st_size);
  if (offset > size)
    throw sdk::invalid_argument(uri + ": offset " + std::to_string(offset) + " is past the end (size " +
                                std::to_string(size) + ")");
  uint64_t remaining = std::min<uint64_t>(length, size - offset);
  std::vector<char> buf(kChunkSize);
  auto pos = static_cast<off_t>(offset);
  while (remaining > 0) {
    cancel.throw_if_cancelled();
    const ssize_t n = ::pread(fd.get(), buf.data(), std::min<uint64_t>(buf.size(), remaining), pos);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno(errno, "read", uri);
    }
    if (n == 0) throw sdk::io_error(uri + ": the file shrank while it was being read");
    dst.write(buf.data(), static_cast<size_t>(n));
    pos += n;
    remaining -= static_cast<uint64_t>(n);
  }
}

sdk::ObjectInfo FsBackend::stat(const std::string &uri) {
  const std::string rel = object_rel(uri);
  const UniqueFd fd = jail_.open(rel, O_PATH);
  if (!fd.valid()) throw_errno(errno, "stat", uri);
  const struct stat st = fstat_or_throw(fd.get(), uri);
  if (!S_ISREG(st.st_mode)) throw sdk::invalid_argument(uri + ": not a regular file");
  return info_from_stat(st);
}

void FsBackend::remove(const std::string &uri) {
  const std::string rel = object_rel(uri);
  const std::filesystem::path rel_path(rel);
  UniqueFd dir = jail_.open(rel_path.parent_path().string(), O_PATH | O_DIRECTORY);
  if (!dir.valid()) {
    if (errno == ENOENT) return;
    throw_errno(errno, "opening the folder", uri);
  }
  refuse_escaping_symlink(jail_, rel, uri);
  if (::unlinkat(dir.get(), rel_path.filename().c_str(), 0) != 0 && errno != ENOENT) throw_errno(errno, "remove", uri);
}

void FsBackend::list(const std::string &prefix, const ListFn &fn, const sdk::CancelToken &cancel) {
  const std::string path = path_from_file_uri(prefix);
  for (const auto &part : std::filesystem::path(path))
    if (part == "." || part == "..")
      throw sdk::invalid_argument(prefix + ": a list prefix may not contain \".\" or \"..\" segments");

  // The prefix may stop inside the root's own path ("file:///var/li" lists everything), or go below it.
  std::string base;
  std::string rel_prefix;
  for (const std::string *root : {&jail_.root(), &jail_.canonical_root()}) {
    if (root->compare(0, path.size(), path) == 0) {
      base = *root;
      break;
    }
    if (path.compare(0, root->size() + 1, *root + "/") == 0) {
      base = *root;
      rel_prefix = path.substr(root->size() + 1);
      break;
    }
  }
  if (base.empty())
    throw sdk::Error(HODEI_ERR_PERMISSION_DENIED,
                     prefix + ": refused, the prefix is outside the artifact root " + jail_.root());

  std::vector<std::pair<std::string, sdk::ObjectInfo>> entries;
  for (const FoundFile &f : find_files(jail_, rel_prefix, cancel, prefix))
    entries.emplace_back(file_uri_from_path(base + "/" + f.rel), info_from_stat(f.st));
  std::sort(entries.begin(), entries.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
  for (const auto &[uri, info] : entries) {
    cancel.throw_if_cancelled();
    if (!fn(uri, info)) return;
  }
}

} // namespace hodei::artifact_fs
