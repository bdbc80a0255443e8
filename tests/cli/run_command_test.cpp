// End to end: the real hodei-worker binary runs jobs through the real shell executor plugin.
#include "subprocess.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;
using hodei::test::BackgroundProcess;
using hodei::test::ProcessResult;
using hodei::test::run_process;

namespace {

const std::string worker = HODEI_BINARY_DIR "/bin/hodei-worker";

// A scratch folder per test: job files and workspaces.
struct Scratch {
  fs::path dir;
  Scratch() {
    dir = fs::temp_directory_path() / ("hodei-cli-test-" + std::to_string(::getpid()) + "-" +
                                       std::to_string(std::rand())); // NOLINT(cert-msc30-c,cert-msc50-cpp)
    fs::create_directories(dir);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string job(const std::string &name, const std::string &json) const {
    const fs::path p = dir / name;
    std::ofstream(p) << json;
    return p.string();
  }
  std::vector<std::string> run_args(const std::string &job_file) const {
    return {worker, "--plugin-dir", HODEI_PLUGIN_DIR, "run", job_file, "--workspace-root", (dir / "ws").string()};
  }
};

} // namespace

TEST_CASE("run hello example succeeds with live output and masks its secret") {
  Scratch s;
  const std::string example = HODEI_SOURCE_DIR "/examples/hello.json";
  const ProcessResult r = run_process(s.run_args(example));
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("job succeeded") != std::string::npos);
  std::ifstream in(example);
  const nlohmann::json spec = nlohmann::json::parse(in, nullptr, true, true);
  const nlohmann::json secrets = spec.value("secrets", nlohmann::json::object());
  REQUIRE_FALSE(secrets.empty());
  for (const auto &[name, value] : secrets.items()) {
    CHECK(r.out.find(value.get<std::string>()) == std::string::npos);
    CHECK(r.err.find(value.get<std::string>()) == std::string::npos);
  }
  CHECK(r.out.find("***") != std::string::npos);
}

TEST_CASE("run keeps stdout and stderr of a step apart") {
  Scratch s;
  const ProcessResult r = run_process(s.run_args(s.job("streams.json", R"({
    "name": "streams", "executor": "shell",
    "steps": [ { "name": "both", "run": "echo to-out; echo to-err >&2" } ] })")));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "to-out\n");
  CHECK(r.err.find("to-err\n") != std::string::npos);
  CHECK(r.err.find("to-out") == std::string::npos);
}

TEST_CASE("run exits 1 when a step fails and skips the steps after it") {
  Scratch s;
  const ProcessResult r = run_process(s.run_args(s.job("fail.json", R"({
    "name": "fail", "executor": "shell",
    "steps": [ { "name": "ok", "run": "true" }, { "name": "boom", "run": "exit 7" },
               { "name": "never", "run": "echo never-runs" } ] })")));
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("never-runs") == std::string::npos);
  CHECK(r.err.find("exit 7") != std::string::npos);
  CHECK(r.err.find("not run") != std::string::npos);
}

TEST_CASE("run lets a step marked continue_on_error fail without failing the job") {
  Scratch s;
  const ProcessResult r = run_process(s.run_args(s.job("cont.json", R"({
    "name": "cont", "executor": "shell",
    "steps": [ { "name": "lint", "run": "exit 3", "continue_on_error": true }, { "name": "after", "run": "echo after" } ] })")));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "after\n");
  CHECK(r.err.find("allowed to fail") != std::string::npos);
}

TEST_CASE("run exits 5 when the job exceeds its timeout") {
  Scratch s;
  const ProcessResult r = run_process(s.run_args(s.job("slow.json", R"({
    "name": "slow", "executor": "shell", "timeout_seconds": 1, "cancel_grace_seconds": 1,
    "steps": [ { "name": "sleep", "run": "sleep 60" } ] })")),
                                      std::chrono::seconds(30));
  CHECK_FALSE(r.timed_out);
  CHECK(r.exit_code == 5);
  CHECK(r.err.find("timeout") != std::string::npos);
}

TEST_CASE("run exits 2 and names the JSON path for a malformed spec") {
  Scratch s;
  const ProcessResult r = run_process(s.run_args(s.job("bad.json", R"({
    "name": "bad", "executor": "shell", "steps": [ { "name": "x", "run": 42 } ] })")));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("$.steps[0].run") != std::string::npos);
}

TEST_CASE("run exits 2 for a job file that does not exist, naming it") {
  Scratch s;
  const ProcessResult r = run_process(s.run_args((s.dir / "missing.json").string()));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("missing.json") != std::string::npos);
}

TEST_CASE("run exits 3 when the job names an executor that is not loaded") {
  Scratch s;
  const ProcessResult r = run_process(s.run_args(s.job("nope.json", R"({
    "name": "nope", "executor": "qemu", "steps": [ { "name": "x", "run": "true" } ] })")));
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("qemu") != std::string::npos);
  CHECK(r.err.find("shell") != std::string::npos); // lists what is loaded
}

TEST_CASE("SIGINT cancels a running job gracefully and run exits 4") {
  Scratch s;
  BackgroundProcess p(s.run_args(s.job("long.json", R"({
    "name": "long", "executor": "shell", "cancel_grace_seconds": 2,
    "steps": [ { "name": "wait", "run": "echo started; sleep 60" } ] })")));
  REQUIRE(p.wait_for_output("started", std::chrono::seconds(20)));
  p.signal(SIGINT);
  const ProcessResult r = p.wait(std::chrono::seconds(20));
  CHECK_FALSE(r.timed_out);
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("cancelled") != std::string::npos);
}

TEST_CASE("plugins list --json shows the bundled shell executor") {
  const ProcessResult r = run_process({worker, "--plugin-dir", HODEI_PLUGIN_DIR, "plugins", "list", "--json"});
  REQUIRE(r.exit_code == 0);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  bool found = false;
  for (const auto &p : j.at("plugins")) found = found || p.at("id") == "dev.hodei.executor.shell";
  CHECK(found);
}

TEST_CASE("an unknown log level is a usage error") {
  const ProcessResult r = run_process({worker, "--log-level", "loud", "plugins", "list"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("loud") != std::string::npos);
}

TEST_CASE("every example worker config is accepted by the worker") {
  for (const auto &entry : fs::directory_iterator(HODEI_SOURCE_DIR "/examples/worker-config")) {
    const ProcessResult r =
        run_process({worker, "--config", entry.path().string(), "--plugin-dir", HODEI_PLUGIN_DIR, "plugins", "list"});
    INFO(entry.path() << ": " << r.err);
    CHECK(r.exit_code == 0);
  }
}
