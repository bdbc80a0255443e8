#include "unix_http_client.hpp"

#include <atomic>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

namespace hodei::docker {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using local = net::local::stream_protocol;

constexpr const char *kUserAgent = "hodei-executor-docker";

http::verb to_verb(HttpMethod method) {
  switch (method) {
  case HttpMethod::get:
    return http::verb::get;
  case HttpMethod::post:
    return http::verb::post;
  case HttpMethod::del:
    return http::verb::delete_;
  }
  return http::verb::get;
}

std::string seconds_text(std::chrono::milliseconds d) {
  const auto ms = d.count();
  return std::to_string(ms / 1000) + (ms % 1000 != 0 ? "." + std::to_string(ms % 1000 / 100) : "") + " s";
}

} // namespace

struct HttpConnection::Impl {
  std::string socket_path;
  net::io_context ioc;
  beast::basic_stream<local> stream{ioc};
  beast::flat_buffer buffer; // bytes read past the last HTTP header: the start of a raw stream
  bool raw = false;
  std::chrono::milliseconds current_timeout{0};
  std::atomic<bool> interrupted{false};
  std::optional<Interrupt::Hook> hook; // last member: unregistered before anything above is destroyed

  // Runs one asynchronous operation to completion on this thread. The interrupt hook closes the socket through
  // ioc (thread-safe post), which completes the operation with an error; the flag turns that into Interrupted.
  template <class Initiate> size_t run(const char *what, Initiate &&initiate) {
    beast::error_code result;
    size_t transferred = 0;
    bool done = false;
    initiate([&](beast::error_code ec, size_t n) {
      result = ec;
      transferred = n;
      done = true;
    });
    ioc.restart();
    ioc.run();
    if (!done) result = net::error::operation_aborted; // only if ioc was stopped, which nothing here does
    if (interrupted.load()) throw Interrupted(std::string(what) + " on " + socket_path + " was interrupted");
    if (result == net::error::eof && raw) return 0;
    if (result) fail(what, result);
    return transferred;
  }

  [[noreturn]] void fail(const char *what, const beast::error_code &ec) const {
    if (ec == beast::error::timeout) {
      throw TransportError(std::string(what) + " on " + socket_path + ": no answer within " +
                           seconds_text(current_timeout));
    }
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == http::error::partial_message) {
      throw TransportError(std::string(what) + " on " + socket_path + ": the daemon closed the connection");
    }
    throw TransportError(std::string(what) + " on " + socket_path + ": " + ec.message());
  }

  void expires_after(std::chrono::milliseconds timeout) {
    current_timeout = timeout;
    stream.expires_after(timeout);
  }

  template <class Request> void write(const Request &req) {
    run("sending the request", [&](auto handler) { http::async_write(stream, req, std::move(handler)); });
  }
};

HttpConnection::HttpConnection(const std::string &socket_path, std::chrono::milliseconds connect_timeout,
                               Interrupt *interrupt)
    : impl_(std::make_unique<Impl>()) {
  Impl &im = *impl_;
  im.socket_path = socket_path;
  im.hook.emplace(interrupt, [&im] {
    im.interrupted.store(true);
    net::post(im.ioc, [&im] { im.stream.close(); });
  });
  if (im.interrupted.load()) throw Interrupted("connecting to " + socket_path + " was interrupted");
  local::endpoint endpoint;
  try {
    endpoint = local::endpoint(socket_path);
  } catch (const boost::system::system_error &e) {
    throw TransportError("cannot use the unix socket path " + socket_path + ": " + e.code().message());
  }
  im.expires_after(connect_timeout);
  beast::error_code result;
  im.stream.async_connect(endpoint, [&](beast::error_code ec) { result = ec; });
  im.ioc.run();
  if (im.interrupted.load()) throw Interrupted("connecting to " + socket_path + " was interrupted");
  if (result) {
    if (result == beast::error::timeout) im.fail("connecting", result);
    throw TransportError("cannot connect to " + socket_path + ": " + result.message());
  }
}

HttpConnection::~HttpConnection() = default;

namespace {

http::request<http::string_body> make_request(HttpMethod method, std::string_view target, std::string_view body) {
  http::request<http::string_body> req{to_verb(method), beast::string_view(target.data(), target.size()), 11};
  req.set(http::field::host, "docker");
  req.set(http::field::user_agent, kUserAgent);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = std::string(body);
  }
  req.prepare_payload();
  return req;
}

} // namespace

HttpResponse HttpConnection::request(HttpMethod method, std::string_view target, std::string_view json_body,
                                     std::chrono::milliseconds timeout, uint64_t body_limit) {
  Impl &im = *impl_;
  if (im.raw) throw std::logic_error("HttpConnection::request on a raw stream");
  const auto req = make_request(method, target, json_body);
  im.expires_after(timeout);
  im.write(req);
  http::response_parser<http::string_body> parser;
  parser.body_limit(body_limit);
  im.run("reading the response",
         [&](auto handler) { http::async_read(im.stream, im.buffer, parser, std::move(handler)); });
  im.stream.expires_never();
  HttpResponse response;
  response.status = parser.get().result_int();
  response.body = std::move(parser.get().body());
  return response;
}

HttpResponse HttpConnection::upgrade(HttpMethod method, std::string_view target, std::string_view json_body,
                                     std::chrono::milliseconds timeout) {
  Impl &im = *impl_;
  if (im.raw) throw std::logic_error("HttpConnection::upgrade on a raw stream");
  auto req = make_request(method, target, json_body);
  req.set(http::field::connection, "Upgrade");
  req.set(http::field::upgrade, "tcp");
  im.expires_after(timeout);
  im.write(req);
  http::response_parser<http::string_body> parser;
  parser.body_limit(kDefaultBodyLimit);
  im.run("reading the response header",
         [&](auto handler) { http::async_read_header(im.stream, im.buffer, parser, std::move(handler)); });
  HttpResponse response;
  response.status = parser.get().result_int();
  const beast::string_view type = parser.get()[http::field::content_type];
  if (response.status == 101 || (response.status == 200 && type.starts_with("application/vnd.docker."))) {
    im.raw = true; // the rest of the bytes, starting with what is left in im.buffer, are the stream
    im.stream.expires_never();
    return response;
  }
  im.run("reading the response",
         [&](auto handler) { http::async_read(im.stream, im.buffer, parser, std::move(handler)); });
  im.stream.expires_never();
  response.body = std::move(parser.get().body());
  return response;
}

size_t HttpConnection::read_some(std::span<uint8_t> buf) {
  Impl &im = *impl_;
  if (!im.raw) throw std::logic_error("HttpConnection::read_some before a successful upgrade");
  if (buf.empty()) return 0;
  if (im.buffer.size() > 0) {
    const size_t n = net::buffer_copy(net::buffer(buf.data(), buf.size()), im.buffer.data());
    im.buffer.consume(n);
    return n;
  }
  return im.run("reading the stream", [&](auto handler) {
    im.stream.async_read_some(net::buffer(buf.data(), buf.size()), std::move(handler));
  });
}

} // namespace hodei::docker
