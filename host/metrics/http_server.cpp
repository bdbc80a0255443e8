#include "http_server.hpp"

#include "listen_address.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <thread>

namespace hodei::metrics {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr std::chrono::seconds kIoTimeout{10}; // a client that stalls longer loses its connection
constexpr uint32_t kHeaderLimit = 8 * 1024;    // GET and HEAD need no more; anything larger is not a scraper
constexpr uint64_t kBodyLimit = uint64_t{4} * 1024;

// One connection: read one request, write one response, close.
class Connection : public std::enable_shared_from_this<Connection> {
public:
  Connection(tcp::socket socket, const HttpHandler &handler) : stream_(std::move(socket)), handler_(handler) {}

  void start() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(kBodyLimit);
    stream_.expires_after(kIoTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

private:
  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout) return close();
    if (ec) return respond(error_response(400, "bad request\n"), false);
    const auto &request = parser_->get();
    const bool head = request.method() == http::verb::head;
    if (request.method() != http::verb::get && !head) {
      auto response = error_response(405, "only GET and HEAD\n");
      response.set(http::field::allow, "GET, HEAD");
      return respond(std::move(response), false);
    }
    const std::string_view target(request.target().data(), request.target().size());
    const std::string_view path = target.substr(0, target.find('?'));
    HttpResponse out;
    try {
      out = handler_(path);
    } catch (const std::exception &e) {
      out = HttpResponse{500, "text/plain; charset=utf-8", std::string("internal error: ") + e.what() + "\n"};
    }
    http::response<http::string_body> response{static_cast<http::status>(out.status), request.version()};
    response.set(http::field::content_type, out.content_type);
    response.body() = std::move(out.body);
    respond(std::move(response), head);
  }

  static http::response<http::string_body> error_response(unsigned status, std::string body) {
    http::response<http::string_body> response{static_cast<http::status>(status), 11};
    response.set(http::field::content_type, "text/plain; charset=utf-8");
    response.body() = std::move(body);
    return response;
  }

  void respond(http::response<http::string_body> response, bool head) {
    response_ = std::move(response);
    response_.keep_alive(false);
    response_.prepare_payload();
    if (head) response_.body().clear(); // HEAD: the headers of the GET (Content-Length included), no body
    stream_.expires_after(kIoTimeout);
    http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code, size_t) { self->close(); });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  const HttpHandler &handler_;
  beast::flat_buffer buffer_{kHeaderLimit};
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
};

} // namespace

struct HttpServer::Impl {
  Impl(const std::string &listen, HttpHandler h, const std::string &setting) : handler(std::move(h)) {
    const ListenAddress address = parse_listen_address(listen, setting);
    try {
      tcp::resolver resolver(io);
      const auto results = resolver.resolve(address.host, std::to_string(address.port),
                                            tcp::resolver::passive | tcp::resolver::numeric_service);
      const tcp::endpoint endpoint = results.begin()->endpoint();
      acceptor.open(endpoint.protocol());
      acceptor.set_option(net::socket_base::reuse_address(true));
      acceptor.bind(endpoint);
      acceptor.listen(net::socket_base::max_listen_connections);
      bound_port = acceptor.local_endpoint().port();
    } catch (const boost::system::system_error &e) {
      throw std::runtime_error(setting + ": cannot listen on " + listen + ": " + e.code().message());
    }
    accept();
    thread = std::thread([this] { io.run(); });
  }

  ~Impl() {
    io.stop();
    if (thread.joinable()) thread.join();
  }

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (!acceptor.is_open()) return;
      if (!ec) {
        std::make_shared<Connection>(std::move(socket), handler)->start();
        return accept();
      }
      // Accept errors (EMFILE, a reset before accept) are transient; a pause keeps EMFILE from spinning the thread.
      retry.expires_after(std::chrono::milliseconds(100));
      retry.async_wait([this](beast::error_code) { accept(); });
    });
  }

  HttpHandler handler;
  net::io_context io{1};
  tcp::acceptor acceptor{io};
  net::steady_timer retry{io};
  uint16_t bound_port = 0;
  std::thread thread;
};

HttpServer::HttpServer(const std::string &listen, HttpHandler handler, const std::string &setting)
    : impl_(std::make_unique<Impl>(listen, std::move(handler), setting)) {}

HttpServer::~HttpServer() = default;

uint16_t HttpServer::port() const noexcept { return impl_->bound_port; }

} // namespace hodei::metrics
