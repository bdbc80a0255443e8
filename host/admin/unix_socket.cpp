#include "unix_socket.hpp"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <system_error>
#include <unistd.h>

namespace hodei::admin {

namespace {

SocketError system_error(const std::string &what, int code) {
  return {what + ": " + std::generic_category().message(code), code};
}

sockaddr_un address_of(const std::filesystem::path &path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string text = path.string();
  if (text.empty() || text.size() >= sizeof addr.sun_path) {
    throw SocketError("admin socket path '" + text + "' must be 1 to " + std::to_string(sizeof addr.sun_path - 1) +
                          " characters long (set admin.socket to a shorter path)",
                      ENAMETOOLONG);
  }
  std::memcpy(addr.sun_path, text.c_str(), text.size() + 1);
  return addr;
}

UniqueFd new_socket(const std::filesystem::path &path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) throw system_error("cannot create a socket for " + path.string(), errno);
  return fd;
}

// Restores the process umask when it goes out of scope.
class UmaskGuard {
public:
  explicit UmaskGuard(mode_t mask) : previous_(::umask(mask)) {}
  ~UmaskGuard() { ::umask(previous_); }
  UmaskGuard(const UmaskGuard &) = delete;
  UmaskGuard &operator=(const UmaskGuard &) = delete;

private:
  mode_t previous_;
};

// An existing file at `path`: removes it when it is a socket nobody answers on; throws otherwise.
void remove_if_stale(const std::filesystem::path &path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    throw system_error("cannot inspect " + path.string(), errno);
  }
  if (!S_ISSOCK(st.st_mode)) {
    throw SocketError(path.string() + " exists and is not a socket; remove it or set admin.socket", EEXIST);
  }
  try {
    (void)connect_to(path);
  } catch (const SocketError &e) {
    if (e.code() != ECONNREFUSED) throw;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      throw system_error("cannot remove the stale socket " + path.string(), errno);
    }
    return;
  }
  throw SocketError("another process answers on " + path.string() + " (is a worker already serving?)", EADDRINUSE);
}

} // namespace

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

UniqueFd &UniqueFd::operator=(UniqueFd &&other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

int UniqueFd::release() noexcept {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

UniqueFd listen_owner_only(const std::filesystem::path &path) {
  const sockaddr_un addr = address_of(path);
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  remove_if_stale(path);
  UniqueFd fd = new_socket(path);
  {
    // bind() creates the file with 0777 & ~umask: never let it exist with a wider mode, not even for a moment.
    const UmaskGuard umask_guard(0177);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr *>(&addr), sizeof addr) != 0) {
      throw system_error("cannot bind the admin socket " + path.string(), errno);
    }
  }
  if (::chmod(path.c_str(), 0600) != 0) throw system_error("cannot chmod 0600 " + path.string(), errno);
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) throw system_error("cannot inspect " + path.string(), errno);
  if ((st.st_mode & 07777) != 0600 || st.st_uid != ::geteuid()) {
    throw SocketError(path.string() + ": the admin socket is not owner-only (mode 0600) after chmod", EPERM);
  }
  if (::listen(fd.get(), 16) != 0) throw system_error("cannot listen on " + path.string(), errno);
  return fd;
}

UniqueFd connect_to(const std::filesystem::path &path) {
  const sockaddr_un addr = address_of(path);
  UniqueFd fd = new_socket(path);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr *>(&addr), sizeof addr) != 0) {
    throw system_error("cannot connect to " + path.string(), errno);
  }
  return fd;
}

uid_t peer_uid(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    throw system_error("SO_PEERCRED", errno);
  }
  return cred.uid;
}

void set_io_timeout(int fd, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  (void)::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

std::string read_line(int fd, size_t max_bytes) {
  std::string line;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) throw SocketError("timed out waiting for a reply line", ETIMEDOUT);
      throw system_error("cannot read from the admin socket", errno);
    }
    if (n == 0) throw SocketError("the other end closed the connection before a complete line", ECONNRESET);
    line.append(buf, static_cast<size_t>(n));
    if (const auto nl = line.find('\n'); nl != std::string::npos) {
      line.resize(nl);
      return line;
    }
    if (line.size() > max_bytes)
      throw SocketError("line longer than " + std::to_string(max_bytes) + " bytes", EMSGSIZE);
  }
}

void write_line(int fd, const std::string &line) {
  const std::string data = line + "\n";
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw system_error("cannot write to the admin socket", errno);
    done += static_cast<size_t>(n);
  }
}

} // namespace hodei::admin
