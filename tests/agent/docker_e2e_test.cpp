// End to end with the Docker executor: a job in the busybox test image through `hodei-worker run`, and through
// `serve` with the devserver. Needs the test daemon (DOCKER_HOST, HODEI_TEST_DOCKER_IMAGE from scripts/services).
#include "../docker/docker_test_env.hpp"
#include "agent_fixture.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using namespace hodei::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {
std::string docker_job(const std::string &image) {
  return R"({"name": "in-docker", "executor": "docker",
    "secrets": {"TOKEN": "docker-secret-value"},
    "steps": [{"name": "hello", "run": "echo hello from busybox; echo token=$TOKEN; echo err >&2"},
              {"name": "write", "run": "echo made-in-container > /workspace/made.txt; cat /workspace/made.txt"}],
    "docker": {"image": ")" +
         image + R"(", "pull": "never"}})";
}
} // namespace

TEST_CASE("a docker job runs through hodei-worker run", "[agent][docker]") {
  if (!docker_socket()) return;
  TempDir dir;
  const fs::path job = dir.path() / "job.json";
  std::ofstream(job) << docker_job(test_image());
  const ProcessResult r = run_process({kWorkerBin, "--plugin-dir", HODEI_PLUGIN_DIR, "run", job.string(),
                                       "--workspace-root", (dir.path() / "ws").string()},
                                      120s);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "hello from busybox\ntoken=***\nmade-in-container\n");
  CHECK(r.err.find("err\n") != std::string::npos);
}

TEST_CASE("a docker job runs through serve with the devserver", "[agent][docker]") {
  if (!docker_socket()) return;
  Cluster c;
  c.start_server();
  c.start_worker();
  const fs::path job = c.job_file("docker.json", docker_job(test_image()));
  const ProcessResult r = c.cli({"submit", job.string(), "--follow"}, 120s);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "hello from busybox\ntoken=***\nmade-in-container\n");
}
