// Exit codes, step order and the job outcome.
#include "shell_plugin_fixture.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstddef>
#include <signal.h>

using namespace hodei::shell_test;

namespace {

int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

} // namespace

TEST_CASE("a step that exits 0 succeeds and reports its start time and duration", "[shell][exit]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  Job job = one_step(ws.str(), "echo hello; sleep 0.1");
  const int64_t before = unix_ms_now();
  const hodei_job_result r = run_job(plugin, job, sink);
  const int64_t after = unix_ms_now();

  CHECK(r.outcome == HODEI_OUTCOME_SUCCEEDED);
  CHECK(r.exit_code == 0);
  CHECK(r.term_signal == 0);
  CHECK(r.steps_run == 1);
  CHECK(std::string(r.message).empty());
  CHECK(sink.out() == "hello\n");
  const auto finished = sink.finished();
  REQUIRE(finished.size() == 1);
  CHECK(finished[0].step_index == 0);
  CHECK(finished[0].exit_code == 0);
  CHECK(finished[0].started_unix_ms >= before);
  CHECK(finished[0].started_unix_ms <= after);
  CHECK(finished[0].duration_ms >= 100);
  CHECK(finished[0].duration_ms <= after - before);
  CHECK(protocol_errors(sink) == "");
}

TEST_CASE("a step's non-zero exit code fails the job and is reported", "[shell][exit]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  Job job = one_step(ws.str(), "exit 3");
  const hodei_job_result r = run_job(plugin, job, sink);
  CHECK(r.outcome == HODEI_OUTCOME_FAILED);
  CHECK(r.exit_code == 3);
  CHECK(r.term_signal == 0);
  REQUIRE(sink.finished().size() == 1);
  CHECK(sink.finished()[0].exit_code == 3);
  CHECK(protocol_errors(sink) == "");
}

TEST_CASE("the job stops at the first failing step", "[shell][exit]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  Job job;
  job.workspace = ws.str();
  job.steps = {{"one", "echo one", "", false, {}},
               {"two", "echo two; exit 4", "", false, {}},
               {"three", "echo three", "", false, {}}};
  const hodei_job_result r = run_job(plugin, job, sink);
  CHECK(r.outcome == HODEI_OUTCOME_FAILED);
  CHECK(r.exit_code == 4);
  CHECK(r.steps_run == 2);
  CHECK(sink.started() == std::vector<uint32_t>{0, 1});
  CHECK(sink.out() == "one\ntwo\n");
  CHECK(protocol_errors(sink) == "");
}

TEST_CASE("continue_on_error lets the following steps run and the job succeed", "[shell][exit]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  Job job;
  job.workspace = ws.str();
  job.steps = {{"flaky", "exit 5", "", true, {}}, {"after", "echo after", "", false, {}}};
  const hodei_job_result r = run_job(plugin, job, sink);
  CHECK(r.outcome == HODEI_OUTCOME_SUCCEEDED);
  CHECK(r.steps_run == 2);
  CHECK(r.exit_code == 0); // of the last step run
  const auto finished = sink.finished();
  REQUIRE(finished.size() == 2);
  CHECK(finished[0].exit_code == 5);
  CHECK(finished[1].exit_code == 0);
  CHECK(sink.out() == "after\n");
  CHECK(protocol_errors(sink) == "");
}

TEST_CASE("a step killed by a signal reports term_signal and exit_code -1", "[shell][exit]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  Job job = one_step(ws.str(), "kill -KILL $$");
  const hodei_job_result r = run_job(plugin, job, sink);
  CHECK(r.outcome == HODEI_OUTCOME_FAILED);
  CHECK(r.term_signal == SIGKILL);
  CHECK(r.exit_code == -1);
  REQUIRE(sink.finished().size() == 1);
  CHECK(sink.finished()[0].term_signal == SIGKILL);
  CHECK(sink.finished()[0].exit_code == -1);
}

TEST_CASE("a job without steps succeeds at once", "[shell][exit]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  Job job;
  job.workspace = ws.str();
  const hodei_job_result r = run_job(plugin, job, sink);
  CHECK(r.outcome == HODEI_OUTCOME_SUCCEEDED);
  CHECK(r.steps_run == 0);
  CHECK(r.exit_code == -1);
  CHECK(sink.started().empty());
}

TEST_CASE("wait times out while the job runs, then returns the same result every time", "[shell][exit]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  Job job = one_step(ws.str(), "sleep 0.5; exit 2");
  RunningJob running(plugin, job, sink);
  hodei_job_result r{};
  CHECK(running.wait(0, r) == HODEI_ERR_TIMEOUT);
  CHECK(running.wait(10, r) == HODEI_ERR_TIMEOUT);
  REQUIRE(running.wait(-1, r) == HODEI_OK);
  CHECK(r.outcome == HODEI_OUTCOME_FAILED);
  CHECK(r.exit_code == 2);
  hodei_job_result again{};
  REQUIRE(running.wait(0, again) == HODEI_OK);
  CHECK(again.outcome == r.outcome);
  CHECK(again.exit_code == r.exit_code);
  CHECK(again.steps_run == r.steps_run);
}

TEST_CASE("wait writes only the fields that fit the caller's struct_size", "[shell][exit]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  Job job = one_step(ws.str(), "exit 6");
  RunningJob running(plugin, job, sink);
  REQUIRE(running.wait_done().exit_code == 6);
  hodei_job_result older{};
  older.struct_size = offsetof(hodei_job_result, term_signal); // an older caller: struct_size, outcome, exit_code
  older.term_signal = 77;
  older.steps_run = 77;
  REQUIRE(running.wait_into(0, &older) == HODEI_OK);
  CHECK(older.struct_size == offsetof(hodei_job_result, term_signal));
  CHECK(older.outcome == HODEI_OUTCOME_FAILED);
  CHECK(older.exit_code == 6);
  CHECK(older.term_signal == 77);
  CHECK(older.steps_run == 77);
}
