// The unix-socket plumbing of the admin socket: an owned fd, an owner-only listening socket that replaces only a
// stale file, the peer's uid, and newline-delimited messages with a deadline.
#pragma once

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <sys/types.h>

namespace hodei::admin {

// A socket-level failure; what() names the socket path. `code` is the errno (0 when not from a system call).
class SocketError : public std::runtime_error {
public:
  SocketError(const std::string &message, int code) : std::runtime_error(message), code_(code) {}
  [[nodiscard]] int code() const noexcept { return code_; }

private:
  int code_;
};

class UniqueFd {
public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd &&other) noexcept : fd_(other.release()) {}
  UniqueFd &operator=(UniqueFd &&other) noexcept;
  UniqueFd(const UniqueFd &) = delete;
  UniqueFd &operator=(const UniqueFd &) = delete;
  [[nodiscard]] int get() const noexcept { return fd_; }
  int release() noexcept;

private:
  int fd_ = -1;
};

// Binds and listens on `path` with mode 0600 (umask around bind, then chmod, then verified). An existing socket
// file is replaced only when nothing answers on it (a crashed worker's); a live one or a non-socket file is an
// error. Throws SocketError.
UniqueFd listen_owner_only(const std::filesystem::path &path);

// Connects to `path`. Throws SocketError (ENOENT: no such socket, EACCES: permission denied, ECONNREFUSED: nobody
// listens).
UniqueFd connect_to(const std::filesystem::path &path);

// The uid of the process at the other end of a connected unix socket (SO_PEERCRED).
uid_t peer_uid(int fd);

// Sets the send and receive timeouts of a socket (SO_SNDTIMEO/SO_RCVTIMEO).
void set_io_timeout(int fd, std::chrono::milliseconds timeout);

// Reads one '\n'-terminated line (without the newline), at most `max_bytes`. Throws SocketError on timeout, error,
// an over-long line, or EOF before the newline.
std::string read_line(int fd, size_t max_bytes);
void write_line(int fd, const std::string &line); // appends '\n'; throws SocketError

} // namespace hodei::admin
