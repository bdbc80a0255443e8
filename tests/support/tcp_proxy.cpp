#include "tcp_proxy.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace hodei::test {

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

namespace {

constexpr size_t kMaxBuffered = size_t{256} * 1024; // per direction: beyond it the proxy stops reading (backpressure)

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Closes with an RST instead of a FIN: the peer sees "connection reset", as when a network path dies.
void reset_close(int fd) {
  linger lg{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  ::close(fd);
}

// One proxied connection: client side `a`, upstream side `b`.
struct Connection {
  int a = -1;
  int b = -1;
  std::string a_to_b;
  std::string b_to_a;
  bool a_eof = false;
  bool b_eof = false;
  bool a_shut = false; // we sent FIN to a (b finished and its bytes were flushed)
  bool b_shut = false;
  bool failed = false;
  bool frozen = false; // stall_current(): this connection forwards nothing

  [[nodiscard]] bool finished() const { return failed || (a_eof && b_eof && a_to_b.empty() && b_to_a.empty()); }
};

// Reads what `from` has into `buffer`; false on error.
bool pump_in(int from, std::string &buffer, bool &eof) {
  char chunk[65536];
  while (buffer.size() < kMaxBuffered) {
    const ssize_t n = ::read(from, chunk, sizeof chunk);
    if (n > 0) {
      buffer.append(chunk, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) {
      eof = true;
      return true;
    }
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
  }
  return true;
}

// Writes what it can of `buffer` to `to`; false on error.
bool pump_out(int to, std::string &buffer) {
  while (!buffer.empty()) {
    const ssize_t n = ::send(to, buffer.data(), buffer.size(), MSG_NOSIGNAL);
    if (n > 0) {
      buffer.erase(0, static_cast<size_t>(n));
      continue;
    }
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
  }
  return true;
}

} // namespace

struct TcpProxy::Shared {
  int listen_fd = -1;
  int wake_read = -1;
  int wake_write = -1;
  bool listening = true;
  Mode mode = Mode::pass;
  std::vector<Connection> connections;
  uint64_t accepted = 0;
  uint64_t bytes_up = 0;
  uint64_t stall_at = UINT64_MAX;

  std::mutex mutex;
  std::condition_variable applied;
  std::deque<char> commands;
  uint64_t submitted = 0;
  uint64_t done = 0;
};

TcpProxy::TcpProxy(int upstream_port) : upstream_port_(upstream_port), shared_(new Shared) {
  Shared &s = *shared_;
  // The port is bound explicitly (a second socket on the port a first one got from the kernel): refuse() stops
  // listening with shutdown(), which releases an automatically chosen port but keeps an explicitly bound one.
  const int one = 1;
  const int probe = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ::setsockopt(probe, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr = loopback(0);
  socklen_t len = sizeof addr;
  const bool probed = ::bind(probe, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0 &&
                      ::getsockname(probe, reinterpret_cast<sockaddr *>(&addr), &len) == 0;
  s.listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ::setsockopt(s.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const bool listening = probed && ::bind(s.listen_fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0 &&
                         ::listen(s.listen_fd, 128) == 0;
  ::close(probe);
  if (!listening) {
    ::close(s.listen_fd);
    delete shared_;
    throw std::runtime_error("tcp proxy: cannot listen on loopback");
  }
  port_ = ntohs(addr.sin_port);
  set_nonblocking(s.listen_fd);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("tcp proxy: pipe");
  s.wake_read = pipe_fds[0];
  s.wake_write = pipe_fds[1];
  thread_ = std::thread([this] { run(); });
}

TcpProxy::~TcpProxy() {
  command('q');
  thread_.join();
  Shared &s = *shared_;
  for (Connection &c : s.connections) {
    ::close(c.a);
    ::close(c.b);
  }
  ::close(s.listen_fd);
  ::close(s.wake_read);
  ::close(s.wake_write);
  delete shared_;
}

void TcpProxy::set_mode(Mode mode) { command(mode == Mode::pass ? 'p' : mode == Mode::drop ? 'd' : 's'); }
void TcpProxy::cut() { command('c'); }
void TcpProxy::refuse() { command('r'); }
void TcpProxy::resume() { command('l'); }

void TcpProxy::stall_after(uint64_t bytes) {
  {
    std::lock_guard lock(shared_->mutex);
    shared_->stall_at = shared_->bytes_up + bytes;
  }
  command('w'); // a no-op command: waits until the poll thread saw it
}

bool TcpProxy::stalled() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->mode == Mode::stall;
}

uint64_t TcpProxy::bytes_up() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->bytes_up;
}

uint64_t TcpProxy::accepted() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->accepted;
}

size_t TcpProxy::open_connections() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->connections.size();
}

void TcpProxy::command(char what) {
  Shared &s = *shared_;
  std::unique_lock lock(s.mutex);
  s.commands.push_back(what);
  const uint64_t mine = ++s.submitted;
  const char byte = 1;
  (void)!::write(s.wake_write, &byte, 1);
  s.applied.wait(lock, [&] { return s.done >= mine; });
}

void TcpProxy::run() {
  Shared &s = *shared_;
  std::vector<pollfd> fds;
  for (;;) {
    {
      std::unique_lock lock(s.mutex);
      bool quit = false;
      while (!s.commands.empty()) {
        const char what = s.commands.front();
        s.commands.pop_front();
        switch (what) {
        case 'q':
          quit = true;
          break;
        case 'p':
          s.mode = Mode::pass;
          for (Connection &c : s.connections) c.frozen = false;
          break;
        case 'f':
          for (Connection &c : s.connections) c.frozen = true;
          break;
        case 's':
          s.mode = Mode::stall;
          break;
        case 'd':
        case 'c':
          if (what == 'd') s.mode = Mode::drop;
          for (Connection &c : s.connections) {
            reset_close(c.a);
            reset_close(c.b);
          }
          s.connections.clear();
          break;
        case 'r':
          // On Linux, shutdown() of a listening socket stops listening but keeps the port bound: connections to it
          // are refused, and nobody else can take the port meanwhile.
          if (s.listening) ::shutdown(s.listen_fd, SHUT_RDWR);
          s.listening = false;
          break;
        case 'l':
          if (!s.listening) ::listen(s.listen_fd, 128);
          s.listening = true;
          s.mode = Mode::pass;
          for (Connection &c : s.connections) c.frozen = false;
          break;
        default:
          break;
        }
        ++s.done;
      }
      s.applied.notify_all();
      if (quit) return;

      fds.clear();
      fds.push_back({s.wake_read, POLLIN, 0});
      fds.push_back({s.listening ? s.listen_fd : -1, POLLIN, 0});
      for (const Connection &c : s.connections) {
        const bool flowing = s.mode == Mode::pass && !c.frozen;
        short a_events = 0;
        short b_events = 0;
        if (flowing && !c.a_eof && c.a_to_b.size() < kMaxBuffered) a_events |= POLLIN;
        if (flowing && !c.b_eof && c.b_to_a.size() < kMaxBuffered) b_events |= POLLIN;
        if (flowing && !c.b_to_a.empty()) a_events |= POLLOUT;
        if (flowing && !c.a_to_b.empty()) b_events |= POLLOUT;
        // A stalled connection is not polled at all: not even a hang-up may close it.
        fds.push_back({flowing ? c.a : -1, a_events, 0});
        fds.push_back({flowing ? c.b : -1, b_events, 0});
      }
    }

    ::poll(fds.data(), fds.size(), 1000);

    std::lock_guard lock(s.mutex);
    if (fds[0].revents & POLLIN) {
      char drain[64];
      while (::read(s.wake_read, drain, sizeof drain) > 0) {
      }
    }
    // The connection list is unchanged since fds was built: only this thread modifies it.
    for (size_t i = 0; i < s.connections.size(); ++i) {
      Connection &c = s.connections[i];
      if (fds[2 + 2 * i].fd < 0) continue;
      const size_t up_before = c.a_to_b.size();
      if (!c.a_eof && !pump_in(c.a, c.a_to_b, c.a_eof)) c.failed = true;
      s.bytes_up += c.a_to_b.size() - up_before;
      if (!c.b_eof && !pump_in(c.b, c.b_to_a, c.b_eof)) c.failed = true;
      if (!pump_out(c.b, c.a_to_b) || !pump_out(c.a, c.b_to_a)) c.failed = true;
      if (c.a_eof && c.a_to_b.empty() && !c.b_shut) {
        ::shutdown(c.b, SHUT_WR);
        c.b_shut = true;
      }
      if (c.b_eof && c.b_to_a.empty() && !c.a_shut) {
        ::shutdown(c.a, SHUT_WR);
        c.a_shut = true;
      }
    }
    if (s.bytes_up >= s.stall_at) {
      s.mode = Mode::stall;
      s.stall_at = UINT64_MAX;
    }
    for (size_t i = s.connections.size(); i-- > 0;) {
      Connection &c = s.connections[i];
      if (!c.finished()) continue;
      if (c.failed) {
        reset_close(c.a);
        reset_close(c.b);
      } else {
        ::close(c.a);
        ::close(c.b);
      }
      s.connections.erase(s.connections.begin() + static_cast<std::ptrdiff_t>(i));
    }
    if (fds[1].fd >= 0 && (fds[1].revents & POLLIN)) {
      for (;;) {
        const int client = ::accept4(s.listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) break;
        ++s.accepted;
        if (s.mode == Mode::drop) {
          reset_close(client);
          continue;
        }
        const int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr = loopback(upstream_port_);
        // A blocking connect on loopback is immediate; refused when the server is down, then so is the client.
        if (::connect(upstream, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
          ::close(upstream);
          reset_close(client);
          continue;
        }
        const int one = 1;
        ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        ::setsockopt(upstream, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        set_nonblocking(client);
        set_nonblocking(upstream);
        Connection c;
        c.a = client;
        c.b = upstream;
        s.connections.push_back(std::move(c));
      }
    }
  }
}

} // namespace hodei::test
