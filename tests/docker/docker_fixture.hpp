// Shared set-up of the integration tests: the plugin loaded and initialised against the test daemon, a DockerApi of
// the test's own to look at containers behind the plugin's back, and helpers to build and run jobs.
#pragma once

#include "docker_api.hpp"
#include "docker_test_env.hpp"
#include "plugin_harness.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>

namespace hodei::test {

using namespace std::chrono_literals;

struct DockerFixture {
  explicit DockerFixture(const std::string &socket, const std::string &extra_config = "")
      : socket_path(socket), host(unique_worker_id()), api(socket, docker::ApiTimeouts{}) {
    Executor::InitFailure failure{};
    const std::string config = R"({"socket": ")" + socket + R"(", "cleanup_interval_s": 0)" +
                               (extra_config.empty() ? "" : ", ") + extra_config + "}";
    executor = Executor::init(lib, host, config, &failure);
    INFO("init: " << failure.message);
    REQUIRE(executor);
  }

  // A job of `image` (the test image by default, never pulled) with extra docker options, e.g. R"("memory": "32m")".
  JobDef job(const TempDir &workspace, const std::string &extra_options = "",
             const std::string &image = test_image()) const {
    JobDef def;
    def.id = unique_job_id("job");
    def.workspace = workspace.path();
    def.options_json =
        R"({"image": ")" + image + R"(", "pull": "never")" + (extra_options.empty() ? "" : ", ") + extra_options + "}";
    return def;
  }

  // Containers on the daemon labelled with this job id (running or not).
  [[nodiscard]] size_t containers_of(const std::string &job_id) const {
    return api.list_containers({"dev.hodei.job-id=" + job_id}).size();
  }

  std::string socket_path;
  HostStub host;
  PluginLibrary lib;
  std::unique_ptr<Executor> executor;
  docker::DockerApi api;
};

// Waits for the job with a bound; fails the test when it is still running.
inline hodei_job_result finish(RunningJob &job, std::chrono::milliseconds bound = 60s) {
  REQUIRE(job.status() == HODEI_OK);
  const std::optional<hodei_job_result> r = job.wait(bound);
  REQUIRE(r.has_value());
  return *r;
}

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

} // namespace hodei::test
