// Plugin init and what it does besides jobs: reaching the daemon (or saying clearly why not), the API version check,
// removing this worker's leftover containers, the fingerprint.
#include "docker_fixture.hpp"
#include "fake_daemon.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace hodei::test;

TEST_CASE("docker init: an unreachable daemon fails init and names the socket", "[docker][init]") {
  PluginLibrary lib;
  HostStub host(unique_worker_id());
  Executor::InitFailure failure{};
  const auto ex = Executor::init(lib, host, R"({"socket": "/nonexistent/hodei-test/docker.sock"})", &failure);
  REQUIRE_FALSE(ex);
  CHECK(failure.status == HODEI_ERR_UNAVAILABLE);
  CHECK_THAT(failure.message, Catch::Contains("unix:///nonexistent/hodei-test/docker.sock"));
  CHECK_THAT(failure.message, Catch::Contains("No such file or directory"));
}

TEST_CASE("docker init: a bad config fails init naming the field", "[docker][init]") {
  PluginLibrary lib;
  HostStub host(unique_worker_id());
  Executor::InitFailure failure{};
  REQUIRE_FALSE(Executor::init(lib, host, R"({"allow_privileged": "yes"})", &failure));
  CHECK(failure.status == HODEI_ERR_INVALID_ARGUMENT);
  CHECK(failure.message == "config.allow_privileged: expected true or false");
}

TEST_CASE("docker init: a daemon older than API 1.41 is refused naming both versions", "[docker][init]") {
  TempDir dir;
  const std::string path = dir.path() + "/old.sock";
  SECTION("too old") {
    FakeDaemon daemon(path, {FakeDaemon::version("19.03.15", "1.40", "1.12")});
    PluginLibrary lib;
    HostStub host(unique_worker_id());
    Executor::InitFailure failure{};
    REQUIRE_FALSE(Executor::init(lib, host, R"({"socket": ")" + path + R"("})", &failure));
    CHECK(failure.status == HODEI_ERR_UNAVAILABLE);
    CHECK_THAT(failure.message, Catch::Contains("Docker 19.03.15") && Catch::Contains("Engine API 1.40") &&
                                    Catch::Contains("needs API 1.41"));
  }
  SECTION("too new to still speak 1.41") {
    FakeDaemon daemon(path, {FakeDaemon::version("99.0", "2.10", "1.50")});
    PluginLibrary lib;
    HostStub host(unique_worker_id());
    Executor::InitFailure failure{};
    REQUIRE_FALSE(Executor::init(lib, host, R"({"socket": ")" + path + R"("})", &failure));
    CHECK_THAT(failure.message, Catch::Contains("no longer speaks Engine API 1.41 (oldest it accepts: 1.50)"));
  }
}

TEST_CASE("docker init: DOCKER_HOST gives the socket when the config has none", "[docker][init]") {
  HODEI_REQUIRE_DOCKER(socket);
  PluginLibrary lib;
  HostStub host(unique_worker_id());
  Executor::InitFailure failure{};
  const auto ex = Executor::init(lib, host, "{}", &failure); // DOCKER_HOST is set: that is how we got `socket`
  INFO(failure.message);
  REQUIRE(ex);
  CHECK(host.logged("unix://" + socket));
}

TEST_CASE("docker init: leftover containers of this worker are removed, others kept", "[docker][init]") {
  HODEI_REQUIRE_DOCKER(socket);
  hodei::docker::DockerApi api(socket, hodei::docker::ApiTimeouts{});
  const std::string worker = unique_worker_id();
  const auto leftover = [&](const std::string &worker_id, const std::string &job_id, bool running) {
    nlohmann::json body = {
        {"Image", test_image()},
        {"Entrypoint", {"/bin/sleep", "600"}},
        {"Labels", {{"dev.hodei.managed", "true"}, {"dev.hodei.job-id", job_id}, {"dev.hodei.worker-id", worker_id}}},
        {"HostConfig", {{"NetworkMode", "none"}, {"Init", true}}}};
    std::string id = api.create_container(body, "hodei-leftover-" + job_id);
    if (running) api.start_container(id);
    return id;
  };
  const std::string mine_running = leftover(worker, unique_job_id("ghost"), true);
  const std::string mine_created = leftover(worker, unique_job_id("ghost"), false);
  const std::string other = leftover(worker + "-other", unique_job_id("other"), false);
  PluginLibrary lib;
  HostStub host(worker);
  const auto t0 = std::chrono::steady_clock::now();
  {
    Executor::InitFailure failure{};
    const auto ex = Executor::init(lib, host, R"({"socket": ")" + socket + R"("})", &failure); // default interval
    INFO(failure.message);
    REQUIRE(ex);
  } // deinit must not wait for the 5-minute periodic scan
  CHECK(seconds_since(t0) < 15.0);
  const auto exists = [&](const std::string &id) {
    try {
      api.inspect_container(id);
      return true;
    } catch (const hodei::sdk::Error &e) {
      if (e.status() == HODEI_ERR_NOT_FOUND) return false;
      throw;
    }
  };
  CHECK_FALSE(exists(mine_running));
  CHECK_FALSE(exists(mine_created));
  CHECK(exists(other));
  CHECK(host.logged("removed leftover container hodei-leftover-ghost"));
  api.remove_container(other);
}

TEST_CASE("docker: fingerprint describes the daemon", "[docker][init]") {
  HODEI_REQUIRE_DOCKER(socket);
  DockerFixture f(socket);
  const hodei_executor_v1 &ex = f.executor->api();
  REQUIRE(ex.fingerprint != nullptr);
  REQUIRE(ex.signal != nullptr);
  size_t need = 0;
  char tiny[4];
  CHECK(ex.fingerprint(f.executor->ctx(), tiny, sizeof tiny, &need, nullptr) == HODEI_ERR_RESOURCE_EXHAUSTED);
  REQUIRE(need > sizeof tiny);
  std::string buf(need + 1, '\0');
  size_t len = 0;
  REQUIRE(ex.fingerprint(f.executor->ctx(), buf.data(), buf.size(), &len, nullptr) == HODEI_OK);
  buf.resize(len);
  const nlohmann::json doc = nlohmann::json::parse(buf);
  CHECK(doc["api_version"] == "1.41");
  CHECK_FALSE(doc["daemon_version"].get<std::string>().empty());
  CHECK(doc["os"] == "linux");
  CHECK_FALSE(doc["arch"].get<std::string>().empty());
  CHECK_FALSE(doc["storage_driver"].get<std::string>().empty());
  CHECK(doc["socket"] == "unix://" + socket);
}
