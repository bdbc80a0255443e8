// hodei_object_info for a local file.
#pragma once

#include <hodei/sdk.hpp>
#include <sys/stat.h>

namespace hodei::artifact_fs {

// size, mtime in ms, and an etag made of size, mtime (ns) and inode, which changes whenever the file is replaced.
// sha256_hex stays empty: nothing stores a digest beside the file.
sdk::ObjectInfo info_from_stat(const struct stat &st);

} // namespace hodei::artifact_fs
