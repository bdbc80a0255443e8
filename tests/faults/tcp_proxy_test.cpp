// The fault-injecting TCP proxy itself: it forwards, stalls, cuts, drops and refuses as told.
#include "tcp_proxy.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <cerrno>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

using hodei::test::loopback;
using hodei::test::TcpProxy;

namespace {

class Fd {
public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd &) = delete;
  Fd &operator=(const Fd &) = delete;
  [[nodiscard]] int get() const { return fd_; }

private:
  int fd_;
};

// A listening upstream on a free loopback port.
struct Upstream {
  Fd fd{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  int port = 0;
  Upstream() {
    sockaddr_in addr = loopback(0);
    if (::bind(fd.get(), reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 || ::listen(fd.get(), 16) != 0) {
      throw std::runtime_error("upstream listen");
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd.get(), reinterpret_cast<sockaddr *>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  [[nodiscard]] int accept_one() const { return ::accept4(fd.get(), nullptr, nullptr, SOCK_CLOEXEC); }
};

// connect() result: the fd, or -errno.
int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = loopback(port);
  if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
    const int error = errno;
    ::close(fd);
    return -error;
  }
  return fd;
}

// Whether `fd` becomes readable within `ms`.
bool readable(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, ms) == 1;
}

// Reads exactly n bytes (or fewer on EOF/error), waiting at most 10 s per read.
std::string read_n(int fd, size_t n) {
  std::string out;
  char buf[4096];
  while (out.size() < n && readable(fd, 10000)) {
    const ssize_t got = ::read(fd, buf, std::min(sizeof buf, n - out.size()));
    if (got <= 0) break;
    out.append(buf, static_cast<size_t>(got));
  }
  return out;
}

void write_all(int fd, const std::string &text) {
  REQUIRE(::send(fd, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size()));
}

// What a read on a connection the proxy closed returns: 0 (FIN) or -1 (RST); never data.
bool closed_by_peer(int fd) {
  if (!readable(fd, 10000)) return false;
  char c;
  return ::read(fd, &c, 1) <= 0;
}

} // namespace

TEST_CASE("the proxy forwards bytes both ways and half-closes in order", "[faults][proxy]") {
  Upstream up;
  TcpProxy proxy(up.port);
  Fd client(connect_to(proxy.port()));
  REQUIRE(client.get() >= 0);
  Fd server(up.accept_one());
  const std::string big(1 << 20, 'x'); // more than the proxy buffers: exercises backpressure
  std::thread writer([&] { write_all(client.get(), big); });
  CHECK(read_n(server.get(), big.size()) == big);
  writer.join();
  write_all(server.get(), "pong");
  ::shutdown(server.get(), SHUT_WR);
  CHECK(read_n(client.get(), 4) == "pong");
  CHECK(closed_by_peer(client.get()));
  CHECK(proxy.accepted() == 1);
}

TEST_CASE("a stalled proxy holds bytes without closing and delivers them after pass", "[faults][proxy]") {
  Upstream up;
  TcpProxy proxy(up.port);
  Fd client(connect_to(proxy.port()));
  Fd server(up.accept_one());
  proxy.stall();
  write_all(client.get(), "held");
  CHECK_FALSE(readable(server.get(), 300)); // nothing forwarded (and no EOF) while stalled
  proxy.pass();
  CHECK(read_n(server.get(), 4) == "held");
  CHECK(proxy.open_connections() == 1);
}

TEST_CASE("cut resets the current connections and new ones still work", "[faults][proxy]") {
  Upstream up;
  TcpProxy proxy(up.port);
  Fd client(connect_to(proxy.port()));
  Fd server(up.accept_one());
  write_all(client.get(), "a");
  CHECK(read_n(server.get(), 1) == "a");
  proxy.cut();
  CHECK(closed_by_peer(client.get()));
  CHECK(closed_by_peer(server.get()));
  Fd again(connect_to(proxy.port()));
  Fd server2(up.accept_one());
  write_all(again.get(), "b");
  CHECK(read_n(server2.get(), 1) == "b");
}

TEST_CASE("drop closes existing and new connections until resume", "[faults][proxy]") {
  Upstream up;
  TcpProxy proxy(up.port);
  Fd client(connect_to(proxy.port()));
  Fd server(up.accept_one());
  proxy.drop();
  CHECK(closed_by_peer(client.get()));
  Fd late(connect_to(proxy.port())); // the TCP handshake succeeds: the proxy accepts, then closes
  REQUIRE(late.get() >= 0);
  CHECK(closed_by_peer(late.get()));
  proxy.resume();
  Fd after(connect_to(proxy.port()));
  Fd server2(up.accept_one());
  write_all(after.get(), "c");
  CHECK(read_n(server2.get(), 1) == "c");
}

TEST_CASE("refuse makes connections fail with connection refused until resume", "[faults][proxy]") {
  Upstream up;
  TcpProxy proxy(up.port);
  proxy.refuse();
  CHECK(connect_to(proxy.port()) == -ECONNREFUSED);
  proxy.resume();
  Fd client(connect_to(proxy.port()));
  REQUIRE(client.get() >= 0);
  Fd server(up.accept_one());
  write_all(client.get(), "d");
  CHECK(read_n(server.get(), 1) == "d");
}

TEST_CASE("a proxy whose upstream is down closes the client connection", "[faults][proxy]") {
  int dead_port = 0;
  {
    Upstream gone;
    dead_port = gone.port;
  }
  TcpProxy proxy(dead_port);
  Fd client(connect_to(proxy.port()));
  REQUIRE(client.get() >= 0);
  CHECK(closed_by_peer(client.get()));
}

TEST_CASE("stall_after forwards that many bytes and then stalls by itself", "[faults][proxy]") {
  Upstream up;
  TcpProxy proxy(up.port);
  Fd client(connect_to(proxy.port()));
  Fd server(up.accept_one());
  proxy.stall_after(1000);
  write_all(client.get(), std::string(1000, 'e'));
  CHECK(read_n(server.get(), 1000) == std::string(1000, 'e'));
  CHECK(proxy.stalled());
  write_all(client.get(), "late");
  CHECK_FALSE(readable(server.get(), 300));
  proxy.pass();
  CHECK(read_n(server.get(), 4) == "late");
  CHECK(proxy.bytes_up() == 1004);
}

TEST_CASE("stall_current stalls the open connections and lets new ones through", "[faults][proxy]") {
  Upstream up;
  TcpProxy proxy(up.port);
  Fd old_client(connect_to(proxy.port()));
  Fd old_server(up.accept_one());
  proxy.stall_current();
  write_all(old_client.get(), "stuck");
  Fd new_client(connect_to(proxy.port()));
  Fd new_server(up.accept_one());
  write_all(new_client.get(), "fresh");
  CHECK(read_n(new_server.get(), 5) == "fresh");
  CHECK_FALSE(readable(old_server.get(), 300));
  proxy.pass();
  CHECK(read_n(old_server.get(), 5) == "stuck");
}
