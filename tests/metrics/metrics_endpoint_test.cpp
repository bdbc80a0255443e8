// The HTTP endpoint with a real client (libcurl) and raw sockets: routes, methods, limits, bind errors.
#include "http_client.hpp"
#include "metrics/metrics_endpoint.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

using hodei::metrics::AgentState;
using hodei::metrics::MetricsEndpoint;
using hodei::metrics::WorkerMetrics;
using hodei::test::http_request;
using hodei::test::sample_value;
using namespace std::chrono_literals;

namespace {

std::string url(const MetricsEndpoint &endpoint, const std::string &path) {
  return "http://127.0.0.1:" + std::to_string(endpoint.port()) + path;
}

// A raw TCP connection to the endpoint, for what a well-behaved client never sends.
class RawClient {
public:
  explicit RawClient(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) == 0);
    timeval timeout{20, 0}; // a server that never answers fails the test instead of hanging it
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient &) = delete;
  RawClient &operator=(const RawClient &) = delete;

  void send_all(const std::string &data) const {
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return; // the server may close early (a refused request): what it answered is what counts
      done += static_cast<size_t>(n);
    }
  }
  // Everything until the server closes the connection.
  std::string read_all() const {
    std::string out;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return out;
      out.append(buf, static_cast<size_t>(n));
    }
  }

private:
  int fd_;
};

} // namespace

TEST_CASE("the endpoint serves /metrics, /healthz and /readyz to a real HTTP client", "[metrics]") {
  WorkerMetrics metrics({"1.2.3", "1.0"});
  const MetricsEndpoint endpoint("127.0.0.1:0", metrics);
  REQUIRE(endpoint.port() != 0);

  auto scrape = http_request(url(endpoint, "/metrics"));
  INFO(scrape.error);
  REQUIRE(scrape.status == 200);
  CHECK(scrape.headers.find("text/plain; version=0.0.4") != std::string::npos);
  CHECK(sample_value(scrape.body, "hodei_worker_build_info{abi_version=\"1.0\",version=\"1.2.3\"}") == 1);
  CHECK(sample_value(scrape.body, "hodei_worker_jobs_started_total{executor=\"shell\"}") == -1);

  // Values move between scrapes.
  metrics.job_started("shell");
  metrics.log_bytes_sent(77);
  scrape = http_request(url(endpoint, "/metrics?x=1"));
  REQUIRE(scrape.status == 200);
  CHECK(sample_value(scrape.body, "hodei_worker_jobs_started_total{executor=\"shell\"}") == 1);
  CHECK(sample_value(scrape.body, "hodei_worker_log_bytes_sent_total") == 77);

  const auto health = http_request(url(endpoint, "/healthz"));
  CHECK(health.status == 200);
  CHECK(health.body == "ok\n");

  auto ready = http_request(url(endpoint, "/readyz"));
  CHECK(ready.status == 503);
  CHECK(ready.body == "starting\n");
  AgentState state;
  state.registered = true;
  state.connected = true;
  metrics.publish(state);
  ready = http_request(url(endpoint, "/readyz"));
  CHECK(ready.status == 200);
  CHECK(ready.body == "ready\n");
  state.connected = false;
  metrics.publish(state);
  ready = http_request(url(endpoint, "/readyz"));
  CHECK(ready.status == 503);
  CHECK(ready.body.find("not connected") != std::string::npos);
}

TEST_CASE("HEAD answers the GET headers without a body, other methods get 405 and other paths 404", "[metrics]") {
  const WorkerMetrics metrics({"1.2.3", "1.0"});
  const MetricsEndpoint endpoint("127.0.0.1:0", metrics);

  const auto head = http_request(url(endpoint, "/metrics"), "HEAD");
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(head.headers.find("Content-Length: 0") == std::string::npos);

  const auto post = http_request(url(endpoint, "/metrics"), "POST");
  CHECK(post.status == 405);
  CHECK(post.headers.find("Allow: GET, HEAD") != std::string::npos);

  const auto missing = http_request(url(endpoint, "/metrics/extra"));
  CHECK(missing.status == 404);
  CHECK(http_request(url(endpoint, "/")).status == 404);
}

TEST_CASE("an oversized request is refused and a stalled client does not block others", "[metrics]") {
  const WorkerMetrics metrics({"1.2.3", "1.0"});
  const MetricsEndpoint endpoint("127.0.0.1:0", metrics);

  const RawClient stalled(endpoint.port()); // connects and never sends a byte
  stalled.send_all("GET /metr");
  CHECK(http_request(url(endpoint, "/healthz")).status == 200);

  const RawClient huge(endpoint.port());
  huge.send_all("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Filler: " + std::string(size_t{64} * 1024, 'a') + "\r\n\r\n");
  const std::string answer = huge.read_all();
  CHECK(answer.rfind("HTTP/1.1 400", 0) == 0);

  const RawClient with_body(endpoint.port());
  with_body.send_all("GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n");
  CHECK(with_body.read_all().rfind("HTTP/1.1 400", 0) == 0);

  CHECK(http_request(url(endpoint, "/metrics")).status == 200);
}

TEST_CASE("a port in use is a startup error naming metrics.listen and the address", "[metrics]") {
  const WorkerMetrics metrics({"1.2.3", "1.0"});
  const MetricsEndpoint first("127.0.0.1:0", metrics);
  const std::string taken = "127.0.0.1:" + std::to_string(first.port());
  try {
    const MetricsEndpoint second(taken, metrics);
    FAIL("a second endpoint bound " << taken);
  } catch (const std::runtime_error &e) {
    const std::string message = e.what();
    CHECK(message.rfind("metrics.listen: cannot listen on " + taken + ": ", 0) == 0);
    CHECK(message.find("in use") != std::string::npos);
  }
}

TEST_CASE("a malformed metrics.listen is refused with what was expected", "[metrics]") {
  const WorkerMetrics metrics({"1.2.3", "1.0"});
  for (const std::string bad : {"9464", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:70000", "::1:9464", ":9464"}) {
    INFO(bad);
    try {
      const MetricsEndpoint endpoint(bad, metrics);
      FAIL("accepted");
    } catch (const std::invalid_argument &e) {
      const std::string message = e.what();
      CHECK(message.rfind("metrics.listen: expected host:port", 0) == 0);
      CHECK(message.find("'" + bad + "'") != std::string::npos);
    }
  }
  const MetricsEndpoint v6("[::1]:0", metrics); // brackets for IPv6
  CHECK(v6.port() != 0);
}
