// FakeDaemon: a stand-in for dockerd on a unix socket, for the failures a real daemon will not produce on demand (an
// old API version, a pull that hangs). Test code: it reads a body-less request up to its blank line, picks the first
// route whose "METHOD /path-prefix" matches, and writes a canned response, or keeps the connection open without an
// answer ("hang"). Unmatched requests get 404.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hodei::test {

class FakeDaemon {
public:
  struct Route {
    std::string method;      // "GET"
    std::string path_prefix; // "/v1.41/images/"
    unsigned status = 200;
    std::string body; // JSON
    bool hang = false;
  };

  FakeDaemon(std::string socket_path, std::vector<Route> routes);
  ~FakeDaemon();
  FakeDaemon(const FakeDaemon &) = delete;
  FakeDaemon &operator=(const FakeDaemon &) = delete;

  // Requests that matched a "hang" route so far.
  [[nodiscard]] int hung() const noexcept { return hung_.load(); }

  // The answer of a daemon of this version, for GET /version.
  static Route version(const std::string &docker_version, const std::string &api, const std::string &min_api);

private:
  void serve();
  void answer(int fd);

  std::string path_;
  std::vector<Route> routes_;
  int listen_fd_ = -1;
  std::atomic<int> hung_{0};
  std::mutex mutex_;
  std::vector<int> open_fds_; // hung connections, closed by the destructor
  std::thread thread_;
};

} // namespace hodei::test
