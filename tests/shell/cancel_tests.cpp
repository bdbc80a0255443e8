// cancel (graceful, force, escalation), signal, and their thread-safety.
#include "process_probe.hpp"
#include "shell_plugin_fixture.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <signal.h>
#include <thread>
#include <unistd.h>

using namespace hodei::shell_test;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

TEST_CASE("graceful cancel stops the step's whole process group, grandchildren included", "[shell][cancel]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  Job job;
  job.workspace = ws.str();
  job.steps = {{"sleepy", "sleep 1000 & echo $! > \"$HODEI_WORKSPACE/bg.pid\"; sleep 1000; wait", "", false, {}},
               {"never", "echo never", "", false, {}}};
  RunningJob running(plugin, job, sink);
  const auto grandchild = wait_for_pid_file(ws.str() + "/bg.pid", seconds(10));
  REQUIRE(grandchild);
  REQUIRE_FALSE(process_gone(*grandchild));

  constexpr uint32_t kGraceMs = 3000;
  REQUIRE(running.cancel(HODEI_CANCEL_GRACEFUL, kGraceMs) == HODEI_OK);
  const hodei_job_result r = running.wait_done(milliseconds(kGraceMs) + seconds(5));
  CHECK(r.outcome == HODEI_OUTCOME_CANCELLED);
  CHECK(r.steps_run == 1);
  CHECK(r.term_signal == SIGTERM); // polite stop was enough: no SIGKILL needed
  CHECK(sink.started() == std::vector<uint32_t>{0});
  CHECK(eventually([&] { return process_gone(*grandchild); }, seconds(5)));
  CHECK(protocol_errors(sink) == "");
}

TEST_CASE("a step that ignores SIGTERM is killed with SIGKILL once the grace period is over", "[shell][cancel]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  Job job = one_step(ws.str(), "trap '' TERM; echo ready; sleep 1000; echo survived");
  RunningJob running(plugin, job, sink);
  REQUIRE(sink.wait_for_output(HODEI_STREAM_STDOUT, "ready\n", seconds(10)));

  constexpr uint32_t kGraceMs = 500;
  const auto t0 = Clock::now();
  REQUIRE(running.cancel(HODEI_CANCEL_GRACEFUL, kGraceMs) == HODEI_OK);
  const hodei_job_result r = running.wait_done(milliseconds(kGraceMs) + seconds(5));
  const auto elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - t0);
  CHECK(r.outcome == HODEI_OUTCOME_CANCELLED);
  CHECK(r.term_signal == SIGKILL);
  CHECK(elapsed.count() >= kGraceMs - 50); // not killed before the grace period (a lower bound cannot flake)
  CHECK(sink.out() == "ready\n");
}

TEST_CASE("force cancel kills the step at once", "[shell][cancel]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  Job job = one_step(ws.str(), "trap '' TERM; echo ready; sleep 1000");
  RunningJob running(plugin, job, sink);
  REQUIRE(sink.wait_for_output(HODEI_STREAM_STDOUT, "ready\n", seconds(10)));
  REQUIRE(running.cancel(HODEI_CANCEL_FORCE, 60'000) == HODEI_OK); // grace is irrelevant for FORCE
  const hodei_job_result r = running.wait_done(seconds(5));
  CHECK(r.outcome == HODEI_OUTCOME_CANCELLED);
  CHECK(r.term_signal == SIGKILL);
  CHECK(r.exit_code == -1);
}

TEST_CASE("a cancel right after start runs no further step", "[shell][cancel]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  Job job;
  job.workspace = ws.str();
  job.steps = {{"a", "sleep 1000", "", false, {}}, {"b", "sleep 1000", "", false, {}}};
  RunningJob running(plugin, job, sink);
  REQUIRE(running.cancel(HODEI_CANCEL_GRACEFUL, 1000) == HODEI_OK);
  const hodei_job_result r = running.wait_done(seconds(6));
  CHECK(r.outcome == HODEI_OUTCOME_CANCELLED);
  CHECK(r.steps_run <= 1);
  CHECK(sink.started().size() <= 1);
  CHECK(protocol_errors(sink) == "");
}

TEST_CASE("cancel is idempotent and safe concurrently with wait", "[shell][cancel]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  Job job = one_step(ws.str(), "echo ready; sleep 1000");
  RunningJob running(plugin, job, sink);
  REQUIRE(sink.wait_for_output(HODEI_STREAM_STDOUT, "ready\n", seconds(10)));

  hodei_job_result waited{};
  std::atomic<hodei_status> wait_status{HODEI_ERR_INTERNAL};
  std::thread waiter([&] { wait_status = running.wait(-1, waited); });
  std::atomic<int> failures{0};
  std::vector<std::thread> cancellers;
  cancellers.reserve(4);
  for (int t = 0; t < 4; ++t) {
    cancellers.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const int32_t mode = (t + i) % 7 == 0 ? HODEI_CANCEL_FORCE : HODEI_CANCEL_GRACEFUL;
        if (running.cancel(mode, 2000) != HODEI_OK) ++failures;
      }
    });
  }
  for (std::thread &c : cancellers) c.join();
  waiter.join();
  CHECK(failures == 0);
  REQUIRE(wait_status == HODEI_OK);
  CHECK(waited.outcome == HODEI_OUTCOME_CANCELLED);
  // Cancelling an ended job is fine too.
  CHECK(running.cancel(HODEI_CANCEL_GRACEFUL, 10) == HODEI_OK);
  CHECK(running.cancel(HODEI_CANCEL_FORCE, 0) == HODEI_OK);
  hodei_job_result again{};
  CHECK(running.wait(0, again) == HODEI_OK);
  CHECK(again.outcome == HODEI_OUTCOME_CANCELLED);
}

TEST_CASE("an unknown cancel mode is refused", "[shell][cancel]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  Job job = one_step(ws.str(), "true");
  RunningJob running(plugin, job, sink);
  CHECK(running.cancel(7, 0) == HODEI_ERR_INVALID_ARGUMENT);
  CHECK(running.wait_done().outcome == HODEI_OUTCOME_SUCCEEDED);
}

TEST_CASE("signal reaches the running step's process group", "[shell][signal]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  Job job = one_step(ws.str(), "sleep 1000 & echo $! > \"$HODEI_WORKSPACE/bg.pid\"; "
                               "trap 'echo got-usr1; exit 7' USR1; echo ready; while :; do sleep 0.05; done");
  RunningJob running(plugin, job, sink);
  REQUIRE(sink.wait_for_output(HODEI_STREAM_STDOUT, "ready\n", seconds(10)));
  const auto grandchild = wait_for_pid_file(ws.str() + "/bg.pid", seconds(10));
  REQUIRE(grandchild);

  const InitOutcome sent = running.signal(SIGUSR1);
  CHECK(sent.status == HODEI_OK);
  const hodei_job_result r = running.wait_done(seconds(10));
  CHECK(r.outcome == HODEI_OUTCOME_FAILED);
  CHECK(r.exit_code == 7);
  CHECK(sink.out() == "ready\ngot-usr1\n");
  CHECK(eventually([&] { return process_gone(*grandchild); }, seconds(5))); // SIGUSR1's default action
}

TEST_CASE("signal is refused when no step runs, or for a bad signal number", "[shell][signal]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  Job job = one_step(ws.str(), "true");
  RunningJob running(plugin, job, sink);
  REQUIRE(running.wait_done().outcome == HODEI_OUTCOME_SUCCEEDED);
  const InitOutcome late = running.signal(SIGUSR1);
  CHECK(late.status == HODEI_ERR_NOT_FOUND);
  CHECK_THAT(late.message, Catch::Contains("no step is running"));
  CHECK(running.signal(0).status == HODEI_ERR_INVALID_ARGUMENT);
  CHECK(running.signal(100000).status == HODEI_ERR_INVALID_ARGUMENT);
}

TEST_CASE("graceful cancel also stops a stopped step, without waiting for the SIGKILL", "[shell][cancel]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  Job job = one_step(ws.str(), "echo ready; kill -STOP $$; echo resumed");
  RunningJob running(plugin, job, sink);
  REQUIRE(sink.wait_for_output(HODEI_STREAM_STDOUT, "ready\n", seconds(10)));
  // Let the shell actually stop (state T) before cancelling.
  const std::vector<pid_t> kids = children_of(::getpid());
  REQUIRE(kids.size() == 1);
  REQUIRE(eventually([&] { return read_proc_file(kids[0], "stat").find(") T ") != std::string::npos; }, seconds(10)));

  REQUIRE(running.cancel(HODEI_CANCEL_GRACEFUL, 3000) == HODEI_OK);
  const hodei_job_result r = running.wait_done(seconds(8));
  CHECK(r.outcome == HODEI_OUTCOME_CANCELLED);
  CHECK(r.term_signal == SIGTERM); // SIGKILL here would mean SIGTERM waited, unseen, for the grace period
}

TEST_CASE("during a graceful cancel, children cleaning up after the shell died get the grace period",
          "[shell][cancel]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  // The outer shell (group leader) dies of SIGTERM at once; the inner one traps it and needs ~0.6 s to clean up,
  // longer than the 250 ms leftover drain window but well within the grace period.
  Job job = one_step(ws.str(), "sh -c 'trap \"sleep 0.6; echo cleaned-up; exit 0\" TERM; echo ready; "
                               "while :; do sleep 0.05; done'");
  RunningJob running(plugin, job, sink);
  REQUIRE(sink.wait_for_output(HODEI_STREAM_STDOUT, "ready\n", seconds(10)));
  REQUIRE(running.cancel(HODEI_CANCEL_GRACEFUL, 10'000) == HODEI_OK);
  const hodei_job_result r = running.wait_done(seconds(15));
  CHECK(r.outcome == HODEI_OUTCOME_CANCELLED);
  CHECK(r.term_signal == SIGTERM);
  CHECK(sink.out() == "ready\ncleaned-up\n");
}
