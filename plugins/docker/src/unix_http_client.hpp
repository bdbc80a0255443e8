// HttpConnection: one HTTP/1.1 connection to a server on a unix socket (the Docker daemon), built on Boost.Beast over
// an Asio local stream socket. Beast does all the HTTP work (request serialisation, status line, headers,
// Content-Length and chunked bodies); this class adds unix-socket connection, per-operation timeouts, a bounded body,
// and the HTTP upgrade Docker uses for exec/attach: after a 101 response the same socket carries raw bytes, read with
// read_some() (Beast parses the 101 header; bytes it read past the header are served first).
//
// Why Beast and not libcurl: the upgrade is the hard part. With Beast it is "read the header with http::read, keep
// the socket"; libcurl would need CURLOPT_CONNECT_ONLY plus hand-written request/response handling for the upgrade,
// i.e. exactly the hand-rolled HTTP this project avoids. Beast is header-only (no new run-time dependency) and makes
// backpressure trivial: the socket is read only when the caller asks for more.
//
// Beast stays inside unix_http_client.cpp (pimpl): it is heavy to compile and no other file needs it.
//
// Threads: a connection is used by one thread at a time; only the Interrupt it was given may be triggered from
// another thread.
#pragma once

#include "interrupt.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace hodei::docker {

// The daemon could not be talked to at all: connect refused, socket missing, timeout, connection dropped, garbage
// instead of HTTP. (An HTTP error status is not a TransportError: it is a response.)
class TransportError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// The operation stopped because its Interrupt was triggered.
class Interrupted : public TransportError {
public:
  using TransportError::TransportError;
};

enum class HttpMethod { get, post, del };

struct HttpResponse {
  unsigned status = 0;
  std::string body;
};

class HttpConnection {
public:
  // Connects to `socket_path`; throws TransportError (message names the path) or Interrupted.
  HttpConnection(const std::string &socket_path, std::chrono::milliseconds connect_timeout,
                 Interrupt *interrupt = nullptr);
  ~HttpConnection();
  HttpConnection(const HttpConnection &) = delete;
  HttpConnection &operator=(const HttpConnection &) = delete;

  // Sends one request (JSON body when `json_body` is not empty) and reads the whole response; `timeout` bounds the
  // whole exchange, `body_limit` the response body. The connection can be reused afterwards unless the server closed
  // it.
  HttpResponse request(HttpMethod method, std::string_view target, std::string_view json_body,
                       std::chrono::milliseconds timeout, uint64_t body_limit = kDefaultBodyLimit);

  // Sends a request asking to switch to a raw stream ("Connection: Upgrade", "Upgrade: tcp"). When the server
  // answers 101 (or 200 with Docker's raw-stream content type) the response has no body and the connection becomes a
  // raw stream: use read_some(). Any other status comes back with its body read, and the connection is not a stream.
  HttpResponse upgrade(HttpMethod method, std::string_view target, std::string_view json_body,
                       std::chrono::milliseconds timeout);

  // Raw stream after a successful upgrade(): reads some bytes into `buf` and returns how many; 0 at end of stream.
  // Blocks without a time limit (a step may be silent for hours); the Interrupt is the way out.
  size_t read_some(std::span<uint8_t> buf);

  static constexpr uint64_t kDefaultBodyLimit = uint64_t{64} << 20;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace hodei::docker
