// A minimal HTTP/1.1 server for read-only endpoints (metrics, health): GET and HEAD only (405 otherwise), one
// request per connection (the response closes it), bounded header and body sizes, a timeout on every read and write.
// It runs on its own thread with Boost.Beast; the handler runs on that thread, one request at a time, so it must be
// quick and must not wait for anything a request could be waiting for.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace hodei::metrics {

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Called with the request target's path (query string removed). Exceptions become a 500.
using HttpHandler = std::function<HttpResponse(std::string_view path)>;

class HttpServer {
public:
  // Binds `listen` ("host:port"; port 0 picks a free one) at once and starts serving. Throws std::invalid_argument
  // for a malformed address and std::runtime_error when it cannot listen; both messages start with `setting`.
  HttpServer(const std::string &listen, HttpHandler handler, const std::string &setting);
  ~HttpServer(); // stops accepting, drops open connections, joins the thread
  HttpServer(const HttpServer &) = delete;
  HttpServer &operator=(const HttpServer &) = delete;

  // The bound port (the real one when `listen` said 0).
  [[nodiscard]] uint16_t port() const noexcept;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace hodei::metrics
