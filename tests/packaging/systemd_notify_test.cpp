// host/cli/systemd_notify: the notifications reach a NOTIFY_SOCKET the test listens on, and nothing happens without
// one. (The service manager's side is plain datagrams on a unix socket: sd_notify(3).)
#include "systemd_notify.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

// The tests change the environment (NOTIFY_SOCKET, WATCHDOG_*) as systemd would; they run on one thread.
// NOLINTBEGIN(concurrency-mt-unsafe)

namespace fs = std::filesystem;
namespace sd = hodei::cli::systemd;

namespace {

// A bound unix datagram socket standing in for systemd's notification socket; NOTIFY_SOCKET points at it while the
// object lives.
class FakeNotifySocket {
public:
  FakeNotifySocket() {
    char dir_template[] = "/tmp/hodei-notify-XXXXXX";
    REQUIRE(::mkdtemp(dir_template) != nullptr);
    dir_ = dir_template;
    path_ = (dir_ / "notify").string();
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(path_.size() < sizeof addr.sun_path);
    path_.copy(addr.sun_path, path_.size());
    REQUIRE(::bind(fd_, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) == 0);
    REQUIRE(::setenv("NOTIFY_SOCKET", path_.c_str(), 1) == 0);
  }
  ~FakeNotifySocket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd_);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  FakeNotifySocket(const FakeNotifySocket &) = delete;
  FakeNotifySocket &operator=(const FakeNotifySocket &) = delete;

  // The next datagram, or nothing within `timeout`.
  std::optional<std::string> receive(std::chrono::milliseconds timeout = std::chrono::seconds(5)) const {
    pollfd pfd{fd_, POLLIN, 0};
    const int n = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
    if (n <= 0) return std::nullopt;
    char buf[4096];
    const ssize_t got = ::recv(fd_, buf, sizeof buf, 0);
    if (got < 0) return std::nullopt;
    return std::string(buf, static_cast<size_t>(got));
  }

private:
  fs::path dir_;
  std::string path_;
  int fd_ = -1;
};

} // namespace

TEST_CASE("without NOTIFY_SOCKET every notification is a no-op", "[systemd]") {
  ::unsetenv("NOTIFY_SOCKET");
  CHECK_FALSE(sd::notify_socket_present());
  CHECK_FALSE(sd::notify_ready());
  CHECK_FALSE(sd::notify_stopping());
  CHECK_FALSE(sd::notify_watchdog());
  CHECK_FALSE(sd::notify_status("idle"));
  CHECK(sd::watchdog_interval().count() == 0);
}

TEST_CASE("READY=1 arrives on the notification socket", "[systemd]") {
  FakeNotifySocket socket;
  CHECK(sd::notify_socket_present());
  REQUIRE(sd::notify_ready());
  CHECK(socket.receive() == std::optional<std::string>("READY=1"));
}

TEST_CASE("STOPPING=1, WATCHDOG=1 and STATUS= arrive in order", "[systemd]") {
  FakeNotifySocket socket;
  REQUIRE(sd::notify_status("2 jobs running\nsecond line"));
  REQUIRE(sd::notify_watchdog());
  REQUIRE(sd::notify_stopping());
  CHECK(socket.receive() == std::optional<std::string>("STATUS=2 jobs running second line"));
  CHECK(socket.receive() == std::optional<std::string>("WATCHDOG=1"));
  CHECK(socket.receive() == std::optional<std::string>("STOPPING=1"));
  CHECK_FALSE(socket.receive(std::chrono::milliseconds(50)).has_value());
}

TEST_CASE("a NOTIFY_SOCKET nobody listens on is not an error for the caller", "[systemd]") {
  ::setenv("NOTIFY_SOCKET", "/nonexistent/hodei-notify", 1);
  CHECK_FALSE(sd::notify_ready()); // reported, never thrown
  ::unsetenv("NOTIFY_SOCKET");
}

TEST_CASE("watchdog_interval comes from WATCHDOG_USEC for this process only", "[systemd]") {
  FakeNotifySocket socket;
  ::setenv("WATCHDOG_USEC", "30000000", 1);
  SECTION("for this pid") {
    ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
    CHECK(sd::watchdog_interval() == std::chrono::seconds(30));
  }
  SECTION("without WATCHDOG_PID") {
    ::unsetenv("WATCHDOG_PID");
    CHECK(sd::watchdog_interval() == std::chrono::seconds(30));
  }
  SECTION("meant for another process (a parent's watchdog inherited by a job)") {
    ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
    CHECK(sd::watchdog_interval().count() == 0);
  }
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
  CHECK(sd::watchdog_interval().count() == 0);
}

// NOLINTEND(concurrency-mt-unsafe)
