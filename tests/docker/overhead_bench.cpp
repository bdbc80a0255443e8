// Not a test: measures the per-job overhead of the Docker executor against the docker CLI on the same daemon.
// Hidden from ctest (tag [.bench]); run by hand:
//
//   source DIR/docker.env   # from scripts/services/docker.sh start DIR
//   build/bin/docker_plugin_tests "[.bench]"        # HODEI_BENCH_RUNS=20 by default
//
// Plugin: one job with one step `true`, timed from start() to destroy() returning (the container is removed when
// wait() returns).
// CLI:    `docker run --rm --network none <image> true` (the plugin's default network is none as well), timed from
//         spawn to exit. The CLI is /usr/bin/docker (the daemon's own version) unless HODEI_BENCH_DOCKER_CLI is set.
#include "docker_fixture.hpp"
#include "subprocess.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <sstream>

using namespace hodei::test;

namespace {

struct Stats {
  double median_ms;
  double min_ms;
  double p90_ms;
};

Stats stats(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms.front(), ms[(ms.size() * 9) / 10 < ms.size() ? (ms.size() * 9) / 10 : ms.size() - 1]};
}

std::string describe(const char *what, const Stats &s, size_t runs) {
  std::ostringstream out;
  out << what << ": median " << s.median_ms << " ms, min " << s.min_ms << " ms, p90 " << s.p90_ms << " ms (" << runs
      << " runs)";
  return out.str();
}

int env_int(const char *name, int fallback) {
  const char *v = std::getenv(name); // NOLINT(concurrency-mt-unsafe)
  if (v == nullptr) return fallback;
  char *end = nullptr;
  const long n = std::strtol(v, &end, 10);
  return end != v && *end == '\0' ? static_cast<int>(n) : fallback;
}

} // namespace

TEST_CASE("docker bench: per-job overhead of `true`, plugin vs docker run --rm", "[.bench][docker]") {
  HODEI_REQUIRE_DOCKER(socket);
  const int runs = std::max(3, env_int("HODEI_BENCH_RUNS", 20));
  const char *cli_env = std::getenv("HODEI_BENCH_DOCKER_CLI"); // NOLINT(concurrency-mt-unsafe)
  const std::string cli = cli_env != nullptr                           ? cli_env
                          : std::filesystem::exists("/usr/bin/docker") ? "/usr/bin/docker"
                                                                       : "docker";
  DockerFixture f(socket);
  TempDir ws;

  const std::vector<std::string> argv = {cli,         "--host", "unix://" + socket, "run", "--rm",
                                         "--network", "none",   test_image(),       "true"};
  // Alternating plugin and CLI runs, so that a change of load on a shared machine hits both alike.
  std::vector<double> plugin_ms;
  std::vector<double> cli_ms;
  for (int i = 0; i < runs + 1; ++i) { // the first round warms up and is not counted
    JobDef def = f.job(ws);
    def.steps = {{"true", "true"}};
    TestSink sink;
    auto t0 = std::chrono::steady_clock::now();
    {
      RunningJob job(*f.executor, def, sink);
      const hodei_job_result r = finish(job);
      REQUIRE(r.outcome == HODEI_OUTCOME_SUCCEEDED);
    }
    const double job_ms = seconds_since(t0) * 1000;

    t0 = std::chrono::steady_clock::now();
    const ProcessResult p = run_process(argv, std::chrono::seconds(60));
    const double run_ms = seconds_since(t0) * 1000;
    INFO(p.err);
    REQUIRE(p.exit_code == 0);
    if (i > 0) {
      plugin_ms.push_back(job_ms);
      cli_ms.push_back(run_ms);
    }
  }

  const Stats plugin = stats(plugin_ms);
  const Stats docker = stats(cli_ms);
  WARN(describe("plugin (start -> wait -> destroy; the container is removed when wait returns)", plugin,
                plugin_ms.size()));
  WARN(describe(("CLI: " + cli + " run --rm --network none " + test_image() + " true").c_str(), docker, cli_ms.size()));
}
