// `serve` with metrics.listen against the real devserver: /readyz follows registration and the job stream, the
// job and log counters move as jobs run, scraped over HTTP with libcurl.
#include "agent_fixture.hpp"
#include "http_client.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace hodei::test;
using namespace std::chrono_literals;

namespace {

struct MetricsWorker {
  int port = free_tcp_port();
  [[nodiscard]] std::string url(const std::string &path) const {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  }
  [[nodiscard]] WorkerSetup setup() const {
    WorkerSetup setup;
    setup.extra_config = "\"metrics\": {\"listen\": \"127.0.0.1:" + std::to_string(port) + "\"}";
    return setup;
  }
  [[nodiscard]] long readyz() const { return http_request(url("/readyz")).status; }
  [[nodiscard]] double value(const std::string &series) const {
    const HttpResult r = http_request(url("/metrics"));
    return r.status == 200 ? sample_value(r.body, series) : -2;
  }
};

constexpr const char *kShellSucceeded = R"(hodei_worker_jobs_finished_total{executor="shell",outcome="succeeded"})";
constexpr const char *kShellFailed = R"(hodei_worker_jobs_finished_total{executor="shell",outcome="failed"})";

} // namespace

TEST_CASE("serve with metrics.listen: readiness follows the server, job and log counters move as jobs run",
          "[agent][metrics]") {
  Cluster c;
  c.start_server();
  const MetricsWorker m;
  c.start_worker(m.setup());
  INFO(c.worker->err());

  REQUIRE(eventually([&] { return m.readyz() == 200; }, 30s));
  CHECK(http_request(m.url("/healthz")).status == 200);
  CHECK(m.value("hodei_worker_connected") == 1);
  CHECK(m.value("hodei_worker_free_slots") == 1);
  CHECK(m.value(kShellSucceeded) == 0); // declared at start, before any job
  const double sent_before = m.value("hodei_worker_log_bytes_sent_total");

  // 200 000 bytes of stdout, so the log counters move by at least that much.
  const auto ok = c.submit(c.job_file(
      "ok.json",
      R"({"name": "ok", "executor": "shell", "steps": [{"name": "big", "run": "head -c 200000 /dev/zero"}]})"));
  REQUIRE(c.wait_terminal(ok, 60s) == "succeeded");
  const auto bad = c.submit(c.job_file(
      "bad.json", R"({"name": "bad", "executor": "shell", "steps": [{"name": "fails", "run": "echo oops; exit 3"}]})"));
  REQUIRE(c.wait_terminal(bad, 60s) == "failed");

  REQUIRE(eventually([&] { return m.value(kShellSucceeded) == 1 && m.value(kShellFailed) == 1; }, 30s));
  CHECK(m.value(R"(hodei_worker_jobs_started_total{executor="shell"})") == 2);
  CHECK(m.value(R"(hodei_worker_job_duration_seconds_count{executor="shell",outcome="succeeded"})") == 1);
  CHECK(m.value(R"(hodei_worker_job_duration_seconds_count{executor="shell",outcome="failed"})") == 1);
  // The server acknowledges every byte it stored before the result: acked catches up with sent.
  REQUIRE(eventually(
      [&] {
        const double sent = m.value("hodei_worker_log_bytes_sent_total");
        return sent >= sent_before + 200000 && m.value("hodei_worker_log_bytes_acked_total") == sent;
      },
      30s));
  REQUIRE(eventually([&] { return m.value("hodei_worker_running_jobs") == 0; }, 30s));
  CHECK(m.value("hodei_worker_spool_bytes") == 0);

  // The server goes away: not ready (and says why), still alive; back: ready again, one reconnect counted.
  c.kill_server();
  REQUIRE(eventually([&] { return m.readyz() == 503; }, 30s));
  const HttpResult not_ready = http_request(m.url("/readyz"));
  CHECK((not_ready.body.find("not registered") != std::string::npos ||
         not_ready.body.find("not connected") != std::string::npos));
  CHECK(http_request(m.url("/healthz")).status == 200);
  CHECK(m.value("hodei_worker_connected") == 0);
  c.start_server();
  REQUIRE(eventually([&] { return m.readyz() == 200; }, 30s));
  CHECK(m.value("hodei_worker_reconnects_total") >= 1);
}

TEST_CASE("serve refuses to start when metrics.listen cannot be bound, naming the setting", "[agent][metrics]") {
  Cluster c;
  c.start_server();
  // Hold a listening socket on the port the worker is told to use.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 1) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len) == 0);
  const std::string taken = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));

  WorkerSetup setup;
  setup.wait_connected = false;
  setup.extra_config = "\"metrics\": {\"listen\": \"" + taken + "\"}";
  c.start_worker(setup);
  const std::optional<int> code = c.worker->wait_exit(30s);
  ::close(fd);
  REQUIRE(code.has_value());
  CHECK(*code == 3);
  INFO(c.worker->err());
  CHECK(c.worker->err().find("cannot serve: metrics.listen: cannot listen on " + taken) != std::string::npos);
}

TEST_CASE("a malformed metrics.listen: config check names it and serve stops with exit code 2", "[agent][metrics]") {
  Cluster c;
  const auto config = c.job_file("bad-metrics.json", R"({"metrics": {"listen": "localhost"}})");
  const ProcessResult check = run_process({kWorkerBin, "config", "check", config.string()});
  CHECK(check.exit_code == 2);
  CHECK(check.err.find("$.metrics.listen: expected host:port") != std::string::npos);

  WorkerSetup setup;
  setup.wait_connected = false;
  setup.extra_config = R"("metrics": {"listen": "localhost"})";
  c.start_worker(setup);
  const std::optional<int> code = c.worker->wait_exit(30s);
  REQUIRE(code.has_value());
  CHECK(*code == 2);
  INFO(c.worker->err());
  CHECK(c.worker->err().find("cannot serve: metrics.listen: expected host:port") != std::string::npos);
}

TEST_CASE("serve with metrics.listen: artifact transfers and cache hits and misses are counted", "[agent][metrics]") {
  Cluster c;
  const std::filesystem::path store = c.dir.path() / "store";
  std::filesystem::create_directories(store);
  const std::string input(10000, 'x');
  { std::ofstream(store / "in.txt") << input; }
  c.start_server();
  const MetricsWorker m;
  WorkerSetup setup = m.setup();
  setup.extra_config += R"(, "plugins": {"config": {"dev.hodei.artifact.fs": {"root": ")" + store.string() + R"("}}})";
  c.start_worker(setup);
  INFO(c.worker->err());

  // Both jobs read the same input, named by its digest: downloaded once, then a cache hit. Each uploads 2 500 bytes.
  const std::string sha = run_process({"sh", "-c", "sha256sum < " + (store / "in.txt").string()}).out.substr(0, 64);
  const std::string job = R"({"name": "art", "executor": "shell",
    "steps": [{"name": "out", "run": "mkdir -p out && head -c 2500 in/in.txt > out/part.txt"}],
    "artifacts": {"inputs": [{"uri": "file://)" +
                          (store / "in.txt").string() + R"(", "sha256": ")" + sha + R"(", "path": "in/in.txt"}],
                  "outputs": [{"path": "out/*.txt", "uri": "file://)" +
                          (store / "out").string() + R"(/"}]}})";
  REQUIRE(c.wait_terminal(c.submit(c.job_file("a.json", job)), 60s) == "succeeded");
  REQUIRE(c.wait_terminal(c.submit(c.job_file("b.json", job)), 60s) == "succeeded");

  REQUIRE(eventually([&] { return m.value("hodei_worker_artifact_uploaded_bytes_total") == 5000; }, 30s));
  CHECK(m.value("hodei_worker_artifact_downloaded_bytes_total") == 10000);
  CHECK(m.value("hodei_worker_artifact_cache_misses_total") == 1);
  CHECK(m.value("hodei_worker_artifact_cache_hits_total") == 1);
  CHECK(m.value("hodei_worker_artifact_cache_entries") >= 1);
  CHECK(m.value("hodei_worker_artifact_cache_size_bytes") >= 10000);
  CHECK(m.value("hodei_worker_artifact_cache_evictions_total") == 0);
}

TEST_CASE("serve with metrics.listen: output written while the server is away shows in the spool metrics",
          "[agent][metrics]") {
  Cluster c;
  c.start_server();
  const MetricsWorker m;
  WorkerSetup setup = m.setup();
  setup.extra_config += R"(, "logs": {"memory_buffer_bytes": 65536})"; // 32 KiB for stdout, the rest spools
  c.start_worker(setup);
  INFO(c.worker->err());

  // The job writes 1 MB only once the test says so, after the server is gone: nothing of it can be acknowledged.
  const std::filesystem::path go = c.dir.path() / "go";
  const auto id = c.submit(c.job_file("spool.json", R"({"name": "spool", "executor": "shell", "steps": [{"name": "w",
    "run": "while [ ! -f )" + go.string() + R"( ]; do sleep 0.05; done; head -c 1000000 /dev/zero"}]})"));
  REQUIRE(c.wait_state(id, "running", 30s));
  c.kill_server();
  { std::ofstream(go) << "go"; }
  REQUIRE(eventually([&] { return m.value("hodei_worker_log_bytes_spooled_total") >= 900000; }, 30s));
  CHECK(m.value("hodei_worker_spool_bytes") > 0);
  CHECK(m.value("hodei_worker_running_jobs") <= 1);

  c.start_server();
  REQUIRE(c.wait_terminal(id, 60s) == "succeeded");
  REQUIRE(eventually([&] { return m.value("hodei_worker_spool_bytes") == 0; }, 30s));
  CHECK(m.value("hodei_worker_log_bytes_acked_total") >= 1000000);
}
