#include "tree_walk.hpp"

#include "temp_file.hpp"

#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <utility>

namespace hodei::artifact_fs {
namespace {

struct DirCloser {
  void operator()(DIR *d) const noexcept { ::closedir(d); }
};
using DirPtr = std::unique_ptr<DIR, DirCloser>;

bool starts_with(const std::string &s, const std::string &prefix) noexcept {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// Whether a folder at `rel` may hold a match: its path is a prefix of the wanted prefix, or the other way round.
bool may_hold_match(const std::string &rel, const std::string &prefix) {
  const std::string dir = rel + "/";
  return starts_with(dir, prefix) || starts_with(prefix, dir);
}

} // namespace

std::vector<FoundFile> find_files(const RootJail &jail, const std::string &rel_prefix, const sdk::CancelToken &cancel,
                                  const std::string &uri) {
  // Start at the deepest folder named completely by the prefix ("a/b/c" -> "a/b").
  const size_t slash = rel_prefix.rfind('/');
  const std::string start = slash == std::string::npos ? std::string() : rel_prefix.substr(0, slash);

  UniqueFd start_fd = jail.open(start, O_RDONLY | O_DIRECTORY);
  if (!start_fd.valid()) {
    if (errno == ENOENT || errno == ENOTDIR) return {};
    throw_errno(errno, "opening folder \"" + start + "\"", uri);
  }

  std::vector<FoundFile> found;
  std::vector<std::pair<UniqueFd, std::string>> pending;
  pending.emplace_back(std::move(start_fd), start);
  while (!pending.empty()) {
    cancel.throw_if_cancelled();
    auto [fd, dir_rel] = std::move(pending.back());
    pending.pop_back();
    const int dir_fd = ::dup(fd.get());
    if (dir_fd < 0) throw_errno(errno, "reading folder \"" + dir_rel + "\"", uri);
    DirPtr dir(::fdopendir(dir_fd));
    if (!dir) {
      const int e = errno;
      ::close(dir_fd);
      throw_errno(e, "reading folder \"" + dir_rel + "\"", uri);
    }
    errno = 0;
    // readdir is safe on a DIR no other thread uses (glibc; readdir_r is deprecated in its favour).
    while (const dirent *entry = ::readdir(dir.get())) { // NOLINT(concurrency-mt-unsafe)
      const std::string name = entry->d_name;
      if (name == "." || name == ".." || starts_with(name, std::string(kTempPrefix))) continue;
      const std::string rel = dir_rel.empty() ? name : dir_rel + "/" + name;
      struct stat st {};
      if (::fstatat(fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue; // vanished meanwhile
      if (S_ISREG(st.st_mode)) {
        if (starts_with(rel, rel_prefix)) found.push_back({rel, st});
      } else if (S_ISDIR(st.st_mode) && may_hold_match(rel, rel_prefix)) {
        UniqueFd sub(::openat(fd.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (sub.valid()) pending.emplace_back(std::move(sub), rel);
      }
    }
  }
  return found;
}

} // namespace hodei::artifact_fs
