// The job's side of a daemon misbehaving in ways a real one will not on demand: a pull that never answers.
#include "docker_fixture.hpp"
#include "fake_daemon.hpp"

#include <catch2/catch.hpp>
#include <thread>

using namespace hodei::test;

namespace {

// A daemon that speaks API 1.41, has no containers and no images, and never answers a pull.
std::vector<FakeDaemon::Route> hanging_pull_routes() {
  return {FakeDaemon::version("20.10.99", "1.41", "1.12"),
          {"GET", "/v1.41/containers/json", 200, "[]"},
          {"GET", "/v1.41/images/", 404, R"({"message": "No such image"})"},
          {"POST", "/v1.41/images/create", 200, "", /*hang=*/true}};
}

} // namespace

TEST_CASE("docker fake: a cancel interrupts a pull that hangs", "[docker][fake]") {
  TempDir dir;
  const std::string path = dir.path() + "/fake.sock";
  FakeDaemon daemon(path, hanging_pull_routes());
  PluginLibrary lib;
  HostStub host(unique_worker_id());
  Executor::InitFailure failure{};
  const auto ex = Executor::init(lib, host, R"({"socket": ")" + path + R"(", "cleanup_interval_s": 0})", &failure);
  INFO(failure.message);
  REQUIRE(ex);
  TempDir ws;
  JobDef def;
  def.id = unique_job_id("pull");
  def.workspace = ws.path();
  def.options_json = R"({"image": "example.com/slow:1"})";
  def.steps = {{"never", "echo no"}};
  TestSink sink;
  RunningJob job(*ex, def, sink);
  REQUIRE(job.status() == HODEI_OK);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (daemon.hung() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  REQUIRE(daemon.hung() == 1); // the pull request is waiting for an answer that never comes
  CHECK_FALSE(job.wait(200ms).has_value());
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(job.cancel(HODEI_CANCEL_GRACEFUL, 10000) == HODEI_OK);
  const hodei_job_result r = finish(job, 10s);
  CHECK(seconds_since(t0) < 2.0);
  CHECK(r.outcome == HODEI_OUTCOME_CANCELLED);
  CHECK(r.steps_run == 0);
  CHECK(sink.started().empty());
}

TEST_CASE("docker fake: a pull longer than pull_timeout_s is an error", "[docker][fake]") {
  TempDir dir;
  const std::string path = dir.path() + "/fake.sock";
  FakeDaemon daemon(path, hanging_pull_routes());
  PluginLibrary lib;
  HostStub host(unique_worker_id());
  const auto ex =
      Executor::init(lib, host, R"({"socket": ")" + path + R"(", "cleanup_interval_s": 0, "pull_timeout_s": 1})");
  REQUIRE(ex);
  TempDir ws;
  JobDef def;
  def.id = unique_job_id("pull");
  def.workspace = ws.path();
  def.options_json = R"({"image": "example.com/slow:1", "pull": "always"})";
  def.steps = {{"never", "echo no"}};
  TestSink sink;
  RunningJob job(*ex, def, sink);
  const hodei_job_result r = finish(job, 10s);
  CHECK(r.outcome == HODEI_OUTCOME_ERROR);
  CHECK_THAT(std::string(r.message), Catch::StartsWith("pulling image example.com/slow:1: cannot talk to the Docker "
                                                       "daemon at unix://" +
                                                       path) &&
                                         Catch::Contains("no answer within 1 s"));
}
