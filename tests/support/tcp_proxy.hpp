// Test helper: an in-process loopback TCP proxy between a client (the worker, an S3 client) and a server, that
// injects network faults on command. One poll thread forwards bytes; commands take effect before they return.
#pragma once

#include <cstdint>
#include <mutex>
#include <netinet/in.h>
#include <string>
#include <thread>

namespace hodei::test {

// 127.0.0.1:port (0: any free port), for bind and connect.
sockaddr_in loopback(int port);

class TcpProxy {
public:
  enum class Mode {
    pass,  // forward bytes both ways
    drop,  // accept new connections and close them at once; existing ones are closed when entering this mode
    stall, // keep every socket open but forward nothing (a half-dead network: only keepalives can notice)
  };

  // Listens on 127.0.0.1:<free port> and forwards each connection to 127.0.0.1:upstream_port.
  explicit TcpProxy(int upstream_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy &) = delete;
  TcpProxy &operator=(const TcpProxy &) = delete;

  [[nodiscard]] int port() const noexcept { return port_; }
  [[nodiscard]] std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  void pass() { set_mode(Mode::pass); }
  void drop() { set_mode(Mode::drop); }
  void stall() { set_mode(Mode::stall); }
  // Stalls only the connections open now (a dead NAT entry, a firewall that forgot them): new connections go
  // through. pass() and resume() make them flow again.
  void stall_current() { command('f'); }
  // Resets (RST) every current connection; the mode is unchanged, so new connections go on as before.
  void cut();
  // Stops listening: new connections are refused (the port stays reserved). Existing ones are not touched.
  void refuse();
  // Listens again (after refuse) and forwards again (after drop or stall).
  void resume();

  // Forwards normally until `bytes` more bytes went from clients to the server, then stalls by itself: a fault
  // that lands mid-transfer however fast the transfer is.
  void stall_after(uint64_t bytes);
  [[nodiscard]] bool stalled() const;
  // Bytes read from clients (towards the server) so far.
  [[nodiscard]] uint64_t bytes_up() const;

  // Connections accepted so far, and connections currently open.
  [[nodiscard]] uint64_t accepted() const;
  [[nodiscard]] size_t open_connections() const;

private:
  struct Shared;
  void set_mode(Mode mode);
  void command(char what); // wakes the poll thread and waits until it applied `what`
  void run();

  int upstream_port_;
  int port_ = 0;
  Shared *shared_;
  std::thread thread_;
};

} // namespace hodei::test
