// The step's environment: job env, step env, secrets, HODEI_* variables, the minimal base; secrets never on argv.
#include "process_probe.hpp"
#include "shell_plugin_fixture.hpp"

#include <catch2/catch.hpp>
#include <stdlib.h>
#include <unistd.h>

using namespace hodei::shell_test;

TEST_CASE("job env, step env, secrets and the HODEI_ variables reach the step", "[shell][env]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  Job job;
  job.id = "job-env-1";
  job.name = "env check";
  job.workspace = ws.str();
  job.env = {{"A", "from job"}, {"B", "from job"}, {"HODEI_JOB_ID", "spoofed"}};
  job.secrets = {{"TOKEN", "s3cr3t value"}};
  job.steps = {{"print",
                R"(printf '%s|%s|%s|%s|%s|%s|%s|%s\n' "$A" "$B" "$TOKEN" "$CI" "$HODEI_JOB_ID" )"
                R"("$HODEI_JOB_NAME" "$HODEI_WORKSPACE" "$HODEI_STEP_NAME")",
                "",
                false,
                {{"B", "from step"}}}};
  const hodei_job_result r = run_job(plugin, job, sink);
  REQUIRE(r.outcome == HODEI_OUTCOME_SUCCEEDED);
  CHECK(sink.out() == "from job|from step|s3cr3t value|true|job-env-1|env check|" + ws.str() + "|print\n");
}

TEST_CASE("the worker's environment does not leak into steps beyond the documented base", "[shell][env]") {
  const char *old = ::getenv("PATH");
  const std::string old_path = old != nullptr ? old : "/usr/bin:/bin";
  ::setenv("HODEI_SHELL_TEST_WORKER_ONLY", "leaked", 1);
  ::setenv("PATH", "/usr/bin:/bin:/test-marker", 1);
  ShellPlugin plugin; // the base environment is captured at init
  ::unsetenv("HODEI_SHELL_TEST_WORKER_ONLY");
  ::setenv("PATH", old_path.c_str(), 1);
  TempDir ws;
  TestSink sink;
  Job job = one_step(ws.str(), R"(echo "${HODEI_SHELL_TEST_WORKER_ONLY-unset}|$PATH")");
  REQUIRE(run_job(plugin, job, sink).outcome == HODEI_OUTCOME_SUCCEEDED);
  CHECK(sink.out() == "unset|/usr/bin:/bin:/test-marker\n");
}

TEST_CASE("secrets reach the step's environment but no process's argv nor the plugin's log", "[shell][env][secrets]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  const std::string secret = "hunter2-" + std::to_string(::getpid()) + "-xyzzy";
  Job job = one_step(ws.str(), "sleep 30 & echo $! > \"$HODEI_WORKSPACE/child.pid\"; echo $$ > \"$HODEI_WORKSPACE/"
                               "shell.pid\"; wait");
  job.secrets = {{"API_TOKEN", secret}};
  RunningJob running(plugin, job, sink);
  const auto shell_pid = wait_for_pid_file(ws.str() + "/shell.pid", std::chrono::seconds(10));
  const auto child_pid = wait_for_pid_file(ws.str() + "/child.pid", std::chrono::seconds(10));
  REQUIRE(shell_pid);
  REQUIRE(child_pid);

  // What `ps` shows: no process on the machine has the secret on its command line.
  for (const pid_t pid : all_pids()) {
    INFO("pid " << pid);
    CHECK(read_proc_file(pid, "cmdline").find(secret) == std::string::npos);
  }
  // ... while the step (and its children) have it in their environment.
  CHECK(read_proc_file(*shell_pid, "environ").find("API_TOKEN=" + secret) != std::string::npos);
  CHECK(read_proc_file(*child_pid, "environ").find("API_TOKEN=" + secret) != std::string::npos);

  REQUIRE(running.cancel(HODEI_CANCEL_FORCE, 0) == HODEI_OK);
  CHECK(running.wait_done().outcome == HODEI_OUTCOME_CANCELLED);
  running.destroy();
  for (const std::string &line : plugin.log_lines()) CHECK(line.find(secret) == std::string::npos);
}

TEST_CASE("an environment name that is empty or holds '=' is refused at start, naming the field", "[shell][env]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  Job job = one_step(ws.str(), "true");
  SECTION("job env") {
    job.env = {{"OK", "1"}, {"BAD=NAME", "x"}};
    const InitOutcome o = RunningJob::try_start(plugin, job, sink);
    CHECK(o.status == HODEI_ERR_INVALID_ARGUMENT);
    CHECK_THAT(o.message, Catch::Contains("env[1].key"));
  }
  SECTION("secret with an empty name; the value is not echoed") {
    job.secrets = {{"", "do-not-print-me"}};
    const InitOutcome o = RunningJob::try_start(plugin, job, sink);
    CHECK(o.status == HODEI_ERR_INVALID_ARGUMENT);
    CHECK_THAT(o.message, Catch::Contains("secrets[0].key"));
    CHECK_THAT(o.message, !Catch::Contains("do-not-print-me"));
  }
  SECTION("step env") {
    job.steps[0].env = {{"", "x"}};
    const InitOutcome o = RunningJob::try_start(plugin, job, sink);
    CHECK(o.status == HODEI_ERR_INVALID_ARGUMENT);
    CHECK_THAT(o.message, Catch::Contains("steps[0].env[0].key"));
  }
  CHECK(sink.started().empty());
}
