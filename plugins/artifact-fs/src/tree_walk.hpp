// Finds the files under the artifact root whose relative path starts with a prefix (for list).
#pragma once

#include "root_jail.hpp"

#include <hodei/sdk.hpp>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace hodei::artifact_fs {

struct FoundFile {
  std::string rel; // relative to the root, '/'-separated
  struct stat st;
};

// Every regular file whose path relative to the root starts with `rel_prefix` (a plain string prefix: "a/b"
// matches "a/b.txt" and "a/b/c"), in no particular order. Symlinks are not followed and temp files of unfinished
// puts are skipped. Polls `cancel` once per folder. `uri` is for messages.
std::vector<FoundFile> find_files(const RootJail &jail, const std::string &rel_prefix, const sdk::CancelToken &cancel,
                                  const std::string &uri);

} // namespace hodei::artifact_fs
