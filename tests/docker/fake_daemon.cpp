#include "fake_daemon.hpp"

#include <cstring>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace hodei::test {

FakeDaemon::FakeDaemon(std::string socket_path, std::vector<Route> routes)
    : path_(std::move(socket_path)), routes_(std::move(routes)) {
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 16) != 0)
    throw std::runtime_error("FakeDaemon: cannot listen on " + path_);
  thread_ = std::thread([this] { serve(); });
}

FakeDaemon::~FakeDaemon() {
  ::shutdown(listen_fd_, SHUT_RDWR); // wakes accept()
  thread_.join();
  ::close(listen_fd_);
  for (const int fd : open_fds_) ::close(fd);
  ::unlink(path_.c_str());
}

FakeDaemon::Route FakeDaemon::version(const std::string &docker_version, const std::string &api,
                                      const std::string &min_api) {
  return {"GET", "/version", 200,
          R"({"Version": ")" + docker_version + R"(", "ApiVersion": ")" + api + R"(", "MinAPIVersion": ")" + min_api +
              R"(", "Os": "linux", "Arch": "amd64"})"};
}

void FakeDaemon::serve() {
  for (;;) {
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    answer(fd);
  }
}

void FakeDaemon::answer(int fd) {
  std::string request;
  char buf[4096];
  while (request.find("\r\n\r\n") == std::string::npos) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    request.append(buf, static_cast<size_t>(n));
  }
  const size_t sp1 = request.find(' ');
  const size_t sp2 = request.find(' ', sp1 + 1);
  const std::string method = request.substr(0, sp1);
  const std::string target = sp1 == std::string::npos ? "" : request.substr(sp1 + 1, sp2 - sp1 - 1);
  Route chosen{method, target, 404, R"({"message": "fake daemon: no route"})"};
  for (const Route &r : routes_) {
    if (r.method == method && target.rfind(r.path_prefix, 0) == 0) {
      chosen = r;
      break;
    }
  }
  if (chosen.hang) {
    std::lock_guard lock(mutex_);
    open_fds_.push_back(fd);
    ++hung_;
    return;
  }
  const std::string response =
      "HTTP/1.1 " + std::to_string(chosen.status) +
      " Fake\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(chosen.body.size()) + "\r\n\r\n" +
      chosen.body;
  (void)!::write(fd, response.data(), response.size());
  ::close(fd);
}

} // namespace hodei::test
