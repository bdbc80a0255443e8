// Plugin config, job-spec checks (working_dir, options), spawn errors, fingerprint, descriptor.
#include "shell_plugin_fixture.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sys/utsname.h>

using namespace hodei::shell_test;

TEST_CASE("the descriptor names the plugin and its capabilities", "[shell][config]") {
  ShellPlugin plugin;
  const hodei_plugin_descriptor &d = *plugin.entry().descriptor;
  CHECK(std::string(d.id) == "dev.hodei.executor.shell");
  CHECK(d.kinds == HODEI_KIND_EXECUTOR);
  CHECK(d.capabilities == (HODEI_CAP_EXECUTOR_SIGNAL | HODEI_CAP_EXECUTOR_FINGERPRINT));
  CHECK(plugin.executor().signal != nullptr);
  CHECK(plugin.executor().fingerprint != nullptr);
  CHECK(plugin.executor().recover == nullptr);
  REQUIRE(d.config_schema_json != nullptr);
  CHECK(nlohmann::json::parse(d.config_schema_json).is_object());
}

TEST_CASE("a bad plugin config is refused at init with the field named", "[shell][config]") {
  const auto [config, field] = GENERATE(table<std::string, std::string>({
      {R"({"shell": "/bin/bash"})", "config.shell:"},
      {R"({"shell": []})", "config.shell:"},
      {R"({"shell": ["bash", "-c"]})", "config.shell[0]:"},
      {R"({"shell": ["/bin/sh", 3]})", "config.shell[1]:"},
      {R"({"shel": ["/bin/sh", "-c"]})", "config.shel:"},
      {R"([1, 2])", "config:"},
      {R"({"shell": )", "config:"},
  }));
  INFO(config);
  const InitOutcome o = ShellPlugin::try_init(config);
  CHECK(o.status == HODEI_ERR_INVALID_ARGUMENT);
  CHECK_THAT(o.message, Catch::StartsWith(field));
}

TEST_CASE("the configured shell runs the steps", "[shell][config]") {
  ShellPlugin plugin(R"({"shell": ["/bin/bash", "-eo", "pipefail", "-c"]})");
  TempDir ws;
  TestSink sink;
  Job job = one_step(ws.str(), "echo \"bash=${BASH_VERSION:+yes}\"; false | true; echo not-reached");
  const hodei_job_result r = run_job(plugin, job, sink);
  CHECK(r.outcome == HODEI_OUTCOME_FAILED);
  CHECK(r.exit_code == 1);
  CHECK(sink.out() == "bash=yes\n");
}

TEST_CASE("a missing shell ends the job with outcome error and says why", "[shell][config][spawn]") {
  ShellPlugin plugin(R"({"shell": ["/nonexistent/shell", "-c"]})");
  TempDir ws;
  TestSink sink;
  Job job = one_step(ws.str(), "true");
  const hodei_job_result r = run_job(plugin, job, sink);
  CHECK(r.outcome == HODEI_OUTCOME_ERROR);
  CHECK(r.steps_run == 1);
  CHECK(r.exit_code == -1);
  CHECK_THAT(std::string(r.message), Catch::Contains("/nonexistent/shell") && Catch::Contains("No such file"));
  CHECK_THAT(sink.err(), Catch::Contains("/nonexistent/shell"));
  REQUIRE(sink.finished().size() == 1);
  CHECK(sink.finished()[0].exit_code == -1);
  CHECK(protocol_errors(sink) == "");
}

TEST_CASE("working_dir is resolved inside the workspace", "[shell][workdir]") {
  ShellPlugin plugin;
  TempDir ws;
  std::filesystem::create_directories(ws.path() / "sub" / "dir");
  TestSink sink;
  Job job;
  job.workspace = ws.str();
  job.steps = {{"root", "pwd", "", false, {}},
               {"nested", "pwd", "sub/./dir/", false, {}},
               {"climbs back", "pwd", "sub/../sub", false, {}}};
  CHECK(run_job(plugin, job, sink).outcome == HODEI_OUTCOME_SUCCEEDED);
  CHECK(sink.out() == ws.str() + "\n" + ws.str() + "/sub/dir\n" + ws.str() + "/sub\n");
}

TEST_CASE("an absolute or escaping working_dir is refused at start with the field named", "[shell][workdir]") {
  const std::string bad = GENERATE(as<std::string>{}, "/tmp", "..", "../x", "a/../../x", "./../.");
  INFO(bad);
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  Job job;
  job.workspace = ws.str();
  job.steps = {{"fine", "true", "", false, {}}, {"bad", "true", bad, false, {}}};
  const InitOutcome o = RunningJob::try_start(plugin, job, sink);
  CHECK(o.status == HODEI_ERR_INVALID_ARGUMENT);
  CHECK_THAT(o.message, Catch::StartsWith("steps[1].working_dir:"));
  CHECK(sink.started().empty()); // nothing ran

  // validate() says the same without starting anything.
  std::vector<char> buf(512, '\0');
  hodei_error err{sizeof(hodei_error), static_cast<uint32_t>(buf.size()), buf.data()};
  CHECK(plugin.executor().validate(plugin.ctx(), &job.c(), &err) == HODEI_ERR_INVALID_ARGUMENT);
  CHECK_THAT(std::string(buf.data()), Catch::StartsWith("steps[1].working_dir:"));
}

TEST_CASE("a working_dir that does not exist ends the job with outcome error", "[shell][workdir][spawn]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  Job job = one_step(ws.str(), "echo never");
  job.steps[0].working_dir = "not/there";
  const hodei_job_result r = run_job(plugin, job, sink);
  CHECK(r.outcome == HODEI_OUTCOME_ERROR);
  CHECK_THAT(std::string(r.message), Catch::Contains(ws.str() + "/not/there") && Catch::Contains("No such file"));
  CHECK(sink.out().empty());
}

TEST_CASE("job options and a relative workspace are refused", "[shell][config]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  Job job = one_step(ws.str(), "true");
  SECTION("unknown option") {
    job.options_json = R"({"image": "alpine"})";
    const InitOutcome o = RunningJob::try_start(plugin, job, sink);
    CHECK(o.status == HODEI_ERR_INVALID_ARGUMENT);
    CHECK_THAT(o.message, Catch::StartsWith("options.image:"));
  }
  SECTION("not JSON") {
    job.options_json = "{";
    CHECK_THAT(RunningJob::try_start(plugin, job, sink).message, Catch::StartsWith("options:"));
  }
  SECTION("relative workspace") {
    job.workspace = "relative/ws";
    CHECK_THAT(RunningJob::try_start(plugin, job, sink).message, Catch::StartsWith("workspace:"));
  }
}

TEST_CASE("fingerprint describes os, arch, kernel and shell", "[shell][fingerprint]") {
  ShellPlugin plugin(R"({"shell": ["/bin/bash", "-c"]})");
  utsname u{};
  REQUIRE(::uname(&u) == 0);
  size_t len = 0;
  REQUIRE(plugin.executor().fingerprint(plugin.ctx(), nullptr, 0, &len, nullptr) == HODEI_ERR_RESOURCE_EXHAUSTED);
  REQUIRE(len > 0);
  std::vector<char> buf(len + 1, '\0');
  REQUIRE(plugin.executor().fingerprint(plugin.ctx(), buf.data(), buf.size(), &len, nullptr) == HODEI_OK);
  CHECK(std::strlen(buf.data()) == len);
  const nlohmann::json fp = nlohmann::json::parse(buf.data());
  CHECK(fp.at("os") == "linux");
  CHECK(fp.at("arch") == u.machine);
  CHECK(fp.at("kernel") == u.release);
  CHECK(fp.at("shell") == nlohmann::json::array({"/bin/bash", "-c"}));
}
