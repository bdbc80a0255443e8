// `serve` under a service manager: READY=1 once it runs, WATCHDOG=1 pings at half the watchdog interval while its
// housekeeping loop turns, STOPPING=1 when SIGTERM starts the drain — received on a real NOTIFY_SOCKET.
#include "agent_fixture.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace hodei::test;
using namespace std::chrono_literals;

namespace {

// A bound unix datagram socket collecting sd_notify messages.
class NotifySocket {
public:
  explicit NotifySocket(const std::string &path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    REQUIRE(::bind(fd_, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) == 0);
  }
  ~NotifySocket() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  NotifySocket(const NotifySocket &) = delete;
  NotifySocket &operator=(const NotifySocket &) = delete;

  // Reads messages until one contains `needle` or the timeout passes.
  bool wait_for(const std::string &needle, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0 && std::string(buf, static_cast<size_t>(n)).find(needle) != std::string::npos) return true;
    }
    return false;
  }

private:
  std::string path_;
  int fd_ = -1;
};

} // namespace

TEST_CASE("serve tells systemd it is ready, pings the watchdog and says when it stops", "[agent][systemd]") {
  Cluster c;
  NotifySocket notify((c.dir.path() / "notify.sock").string());
  c.start_server();
  WorkerSetup setup;
  setup.env = {"NOTIFY_SOCKET=" + (c.dir.path() / "notify.sock").string(), "WATCHDOG_USEC=1000000"};
  c.start_worker(setup);
  CHECK(notify.wait_for("READY=1", 10s));
  CHECK(notify.wait_for("WATCHDOG=1", 5s));
  CHECK(notify.wait_for("WATCHDOG=1", 5s)); // again: pings keep coming
  c.worker->signal(SIGTERM);
  CHECK(notify.wait_for("STOPPING=1", 10s));
}
