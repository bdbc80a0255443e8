#include "root_jail.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <hodei/sdk.hpp>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <system_error>

namespace hodei::artifact_fs {
namespace fs = std::filesystem;

namespace {

int openat2_beneath(int dirfd, const char *rel, int flags, mode_t mode) noexcept {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.mode = (flags & O_CREAT) != 0 ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(::syscall(SYS_openat2, dirfd, rel, &how, sizeof(how)));
}

bool is_under(const fs::path &path, const fs::path &base) {
  const fs::path r = path.lexically_relative(base);
  return !r.empty() && *r.begin() != "..";
}

std::string strip_trailing_slashes(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

} // namespace

void throw_errno(int errno_value, const std::string &what, const std::string &uri) {
  const std::string msg = uri + ": " + what + ": " + std::generic_category().message(errno_value);
  switch (errno_value) {
  case ENOENT:
    throw sdk::Error(HODEI_ERR_NOT_FOUND, msg);
  case EXDEV:
    throw sdk::Error(HODEI_ERR_PERMISSION_DENIED,
                     uri + ": " + what + ": refused, a symlink or \"..\" on the path leads out of the artifact root");
  case ELOOP:
    throw sdk::Error(HODEI_ERR_PERMISSION_DENIED, uri + ": " + what + ": refused, too many or disallowed symlinks");
  case EACCES:
  case EPERM:
  case EROFS:
    throw sdk::Error(HODEI_ERR_PERMISSION_DENIED, msg);
  case ENOSPC:
  case EDQUOT:
  case EMFILE:
  case ENFILE:
  case ENOMEM:
    throw sdk::Error(HODEI_ERR_RESOURCE_EXHAUSTED, msg);
  case EISDIR:
  case ENOTDIR:
  case ENAMETOOLONG:
    throw sdk::Error(HODEI_ERR_INVALID_ARGUMENT, msg);
  default:
    throw sdk::Error(HODEI_ERR_IO, msg);
  }
}

RootJail::RootJail(const std::string &root) : root_(strip_trailing_slashes(fs::path(root).lexically_normal())) {
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec) throw sdk::io_error("config.root \"" + root_ + "\": cannot create it: " + ec.message());
  canonical_ = fs::canonical(root_, ec).string();
  if (ec) throw sdk::io_error("config.root \"" + root_ + "\": cannot resolve it: " + ec.message());
  root_fd_.reset(::open(canonical_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd_.valid()) throw_errno(errno, "opening the artifact root", "config.root \"" + root_ + "\"");

  // Test seam and escape hatch: HODEI_ARTIFACT_FS_RESOLVE=realpath forces the fallback resolution.
  const char *mode = std::getenv("HODEI_ARTIFACT_FS_RESOLVE"); // NOLINT(concurrency-mt-unsafe): the host never sets it
  if (mode != nullptr && std::strcmp(mode, "realpath") == 0) {
    use_openat2_ = false;
  } else {
    const UniqueFd probe(openat2_beneath(root_fd_.get(), ".", O_PATH | O_DIRECTORY, 0));
    use_openat2_ = probe.valid() || (errno != ENOSYS && errno != EPERM);
  }
}

std::string RootJail::relative(const std::string &abs_path, const std::string &uri) const {
  const fs::path p = fs::path(abs_path).lexically_normal();
  for (const std::string *base : {&root_, &canonical_}) {
    if (p == fs::path(*base) || p == fs::path(*base + "/")) return "";
    if (is_under(p, *base)) return p.lexically_relative(*base).string();
  }
  throw sdk::Error(HODEI_ERR_PERMISSION_DENIED,
                   uri + ": refused, the path " + p.string() + " is outside the artifact root " + root_);
}

UniqueFd RootJail::open(const std::string &rel, int flags, mode_t mode) const {
  const char *path = rel.empty() ? "." : rel.c_str();
  if (use_openat2_) return UniqueFd(openat2_beneath(root_fd_.get(), path, flags, mode));

  std::error_code ec;
  const fs::path resolved = fs::weakly_canonical(fs::path(canonical_) / path, ec);
  if (ec) {
    errno = ec.value();
    return UniqueFd();
  }
  if (resolved != fs::path(canonical_) && !is_under(resolved, canonical_)) {
    errno = EXDEV;
    return UniqueFd();
  }
  return UniqueFd(::open(resolved.c_str(), flags | O_CLOEXEC | O_NOFOLLOW, mode)); // resolved: no symlinks left
}

UniqueFd RootJail::open_dir(const std::string &rel_dir, bool create, const std::string &uri) const {
  UniqueFd dir = open(rel_dir, O_RDONLY | O_DIRECTORY);
  if (dir.valid()) return dir;
  if (errno != ENOENT || !create) throw_errno(errno, "opening folder \"" + rel_dir + "\"", uri);

  // Create the missing components one by one, each through a descriptor opened beneath the root.
  std::string prefix;
  for (const fs::path &component : fs::path(rel_dir)) {
    const UniqueFd parent = open(prefix, O_PATH | O_DIRECTORY);
    if (!parent.valid()) throw_errno(errno, "opening folder \"" + prefix + "\"", uri);
    if (::mkdirat(parent.get(), component.c_str(), 0755) != 0 && errno != EEXIST)
      throw_errno(errno, "creating folder \"" + (prefix.empty() ? "" : prefix + "/") + component.string() + "\"", uri);
    prefix = prefix.empty() ? component.string() : prefix + "/" + component.string();
  }
  dir = open(rel_dir, O_RDONLY | O_DIRECTORY);
  if (!dir.valid()) throw_errno(errno, "opening folder \"" + rel_dir + "\"", uri);
  return dir;
}

} // namespace hodei::artifact_fs
