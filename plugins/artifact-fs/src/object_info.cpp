#include "object_info.hpp"

#include <cstdio>

namespace hodei::artifact_fs {

sdk::ObjectInfo info_from_stat(const struct stat &st) {
  sdk::ObjectInfo info;
  info.size = static_cast<uint64_t>(st.st_size);
  info.modified_unix_ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
  char etag[80];
  std::snprintf(etag, sizeof(etag), "%llx-%llx%09lx-%llx", static_cast<unsigned long long>(st.st_size),
                static_cast<unsigned long long>(st.st_mtim.tv_sec), static_cast<unsigned long>(st.st_mtim.tv_nsec),
                static_cast<unsigned long long>(st.st_ino));
  info.etag = etag;
  return info;
}

} // namespace hodei::artifact_fs
