// End to end through `serve`: a job with an S3 input and an S3 output, the worker talking to the real S3 server
// of the test run (scripts/services/s3.sh) and to the real devserver.
#include "../artifact-s3/s3_test_env.hpp"
#include "agent_fixture.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using namespace hodei::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST_CASE("serve runs a job with an S3 input and an S3 output", "[agent][s3]") {
  const std::optional<S3TestEnv> env = s3_env_or_skip();
  if (!env) return;
  const TestBucket bucket(*env, "serve");
  Cluster c;
  { std::ofstream(c.dir.path() / "input.txt") << "through serve and s3\n"; }
  REQUIRE(aws(*env, {"s3", "cp", (c.dir.path() / "input.txt").string(), bucket.uri("in/input.txt")}).exit_code == 0);
  c.start_server();
  WorkerSetup setup;
  setup.extra_config = R"("plugins": {"config": {"dev.hodei.artifact.s3": )" + plugin_config(*env) + "}}";
  c.start_worker(setup);
  const fs::path job = c.job_file("s3.json", R"({"name": "s3", "executor": "shell",
    "steps": [{"run": "mkdir -p out && tr a-z A-Z < in/input.txt > out/upper.txt"}],
    "artifacts": {"inputs": [{"uri": ")" + bucket.uri("in/input.txt") +
                                                 R"(", "path": "in/input.txt"}],
                  "outputs": [{"path": "out/upper.txt", "uri": ")" +
                                                 bucket.uri("out/") + R"("}]}})");
  const ProcessResult r = c.cli({"submit", job.string(), "--follow"}, 120s);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  REQUIRE(aws(*env, {"s3", "cp", bucket.uri("out/upper.txt"), (c.dir.path() / "upper.txt").string()}).exit_code == 0);
  std::ifstream in(c.dir.path() / "upper.txt");
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(content == "THROUGH SERVE AND S3\n");
}
