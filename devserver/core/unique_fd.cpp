#include "devserver/core/unique_fd.hpp"

#include <cerrno>
#include <system_error>
#include <unistd.h>

namespace hodei::devserver {

void UniqueFd::reset() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void throw_errno(const std::string &what, const std::filesystem::path &path) {
  throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

void write_all(int fd, const void *data, std::size_t size, const std::filesystem::path &path) {
  const auto *bytes = static_cast<const char *>(data);
  while (size > 0) {
    const ssize_t written = ::write(fd, bytes, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      throw_errno("cannot write", path);
    }
    bytes += written;
    size -= static_cast<std::size_t>(written);
  }
}

} // namespace hodei::devserver
