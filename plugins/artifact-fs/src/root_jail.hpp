// Keeps every file operation inside the configured artifact root.
//
// A URI path is first normalised lexically (so "/root/../etc" is "/etc") and must then lie under the root. Every
// open is resolved relative to a descriptor of the root with openat2(RESOLVE_BENEATH), so neither ".." nor a
// symlink (absolute, or relative and climbing out) can leave it, even when the tree changes concurrently. On
// kernels or sandboxes without openat2 it falls back to resolving with weakly_canonical and checking the prefix.
#pragma once

#include "unique_fd.hpp"

#include <string>
#include <sys/types.h>

namespace hodei::artifact_fs {

class RootJail {
public:
  // Creates `root` (and its parents) when missing and opens it. Throws sdk::Error when it cannot.
  explicit RootJail(const std::string &root);

  // The root as configured, lexically normalised, without a trailing slash.
  [[nodiscard]] const std::string &root() const noexcept { return root_; }
  // The root with every symlink resolved.
  [[nodiscard]] const std::string &canonical_root() const noexcept { return canonical_; }
  [[nodiscard]] bool uses_openat2() const noexcept { return use_openat2_; }

  // "root/a/b" -> "a/b" ("" for the root itself), after lexical normalisation. `abs_path` may start with the
  // configured or the canonical root. Throws PERMISSION_DENIED when it lies outside; `uri` is for the message.
  [[nodiscard]] std::string relative(const std::string &abs_path, const std::string &uri) const;

  // open(2) of `rel` beneath the root. Returns an invalid fd and sets errno on failure (EXDEV: it would escape).
  [[nodiscard]] UniqueFd open(const std::string &rel, int flags, mode_t mode = 0) const;

  // Opens the directory `rel_dir` for reading/fsync, creating missing components when `create`. Throws sdk::Error
  // (NOT_FOUND when missing and !create; PERMISSION_DENIED when a symlink leads out of the root).
  [[nodiscard]] UniqueFd open_dir(const std::string &rel_dir, bool create, const std::string &uri) const;

private:
  std::string root_;
  std::string canonical_;
  UniqueFd root_fd_;
  bool use_openat2_ = true;
};

// Throws the sdk::Error matching `errno_value` for an operation on `uri` ("open", "rename"...).
[[noreturn]] void throw_errno(int errno_value, const std::string &what, const std::string &uri);

} // namespace hodei::artifact_fs
