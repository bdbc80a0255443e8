// An owned POSIX file descriptor (closed on destruction) and an EINTR-safe full write.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <utility>

namespace hodei::devserver {

class UniqueFd {
public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(const UniqueFd &) = delete;
  UniqueFd &operator=(const UniqueFd &) = delete;
  UniqueFd(UniqueFd &&other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd &operator=(UniqueFd &&other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~UniqueFd() { reset(); }

  [[nodiscard]] int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  void reset() noexcept;

private:
  int fd_ = -1;
};

// Throws std::system_error for errno: "<what> <path>: <strerror>".
[[noreturn]] void throw_errno(const std::string &what, const std::filesystem::path &path);

// Writes all `size` bytes (retrying short writes and EINTR). Throws std::system_error naming `path`.
void write_all(int fd, const void *data, std::size_t size, const std::filesystem::path &path);

} // namespace hodei::devserver
