// End to end: `hodei-worker run` with an S3 input and an S3 output, against the real S3 server of the test run.
#include "s3_test_env.hpp"
#include "subprocess.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using hodei::test::ProcessResult;
using hodei::test::run_process;

TEST_CASE("run downloads an S3 input and uploads its output to S3 through the real worker") {
  const std::optional<hodei::test::S3TestEnv> env = hodei::test::s3_env_or_skip();
  if (!env) return;
  const hodei::test::TestBucket bucket(*env, "run");
  const fs::path dir = fs::temp_directory_path() / ("hodei-s3-run-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "input.txt") << "from s3\n";
  REQUIRE(hodei::test::aws(*env, {"s3", "cp", (dir / "input.txt").string(), bucket.uri("in/input.txt")}).exit_code ==
          0);
  const std::string sha = run_process({"sh", "-c", "sha256sum < " + (dir / "input.txt").string()}).out.substr(0, 64);

  std::ofstream(dir / "worker.json") << R"({ "worker": { "data_dir": ")" << (dir / "data").string()
                                     << R"(" }, "plugins": { "config": { "dev.hodei.artifact.s3": )"
                                     << hodei::test::plugin_config(*env) << " } } }";
  std::ofstream(dir / "job.json") << R"({ "name": "s3", "executor": "shell",
    "steps": [ { "run": "mkdir -p out && rev < in/input.txt > out/result.txt" } ],
    "artifacts": { "inputs": [ { "uri": ")"
                                  << bucket.uri("in/input.txt") << R"(", "sha256": ")" << sha
                                  << R"(", "path": "in/input.txt" } ],
                   "outputs": [ { "path": "out/result.txt", "uri": ")"
                                  << bucket.uri("results/") << R"(" } ] } })";
  const ProcessResult r = run_process({HODEI_BINARY_DIR "/bin/hodei-worker", "--config", (dir / "worker.json").string(),
                                       "--plugin-dir", HODEI_PLUGIN_DIR, "run", (dir / "job.json").string()});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  REQUIRE(
      hodei::test::aws(*env, {"s3", "cp", bucket.uri("results/result.txt"), (dir / "result.txt").string()}).exit_code ==
      0);
  std::ifstream in(dir / "result.txt");
  const std::string result((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(result == "3s morf\n");
  fs::remove_all(dir);
}
