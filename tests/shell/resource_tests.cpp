// What a job leaves behind: processes, zombies, file descriptors (in the worker and in the step).
#include "process_probe.hpp"
#include "shell_plugin_fixture.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

using namespace hodei::shell_test;
using std::chrono::seconds;

TEST_CASE("a step ends when its shell exits and leftovers in its process group are killed", "[shell][cleanup]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  // The background sleep keeps stdout open: without the leftover rule the job would hang for 1000 s.
  Job job = one_step(ws.str(), "sleep 1000 & echo $! > \"$HODEI_WORKSPACE/bg.pid\"; echo done");
  const hodei_job_result r = run_job(plugin, job, sink, seconds(10));
  CHECK(r.outcome == HODEI_OUTCOME_SUCCEEDED);
  CHECK(sink.out() == "done\n");
  const auto leftover = wait_for_pid_file(ws.str() + "/bg.pid", seconds(1));
  REQUIRE(leftover);
  CHECK(eventually([&] { return process_gone(*leftover); }, seconds(5)));
}

TEST_CASE("after a job no fd, child process or zombie of the worker remains", "[shell][cleanup]") {
  ShellPlugin plugin;
  TempDir ws;
  const size_t fds_before = count_open_fds();
  {
    TestSink sink;
    Job job;
    job.workspace = ws.str();
    job.steps = {{"noisy", "seq 1 20000; seq 1 500 >&2", "", false, {}},
                 {"leftover", "sleep 1000 & sleep 1000 & echo started", "", false, {}},
                 {"fails", "exit 9", "", true, {}},
                 {"missing", "true", "no-such-folder", false, {}}};
    const hodei_job_result r = run_job(plugin, job, sink);
    CHECK(r.outcome == HODEI_OUTCOME_ERROR);
    CHECK(r.steps_run == 4);
  }
  CHECK(count_open_fds() == fds_before);
  CHECK(children_of(::getpid()).empty());
}

TEST_CASE("destroying a running job kills and reaps all of its processes", "[shell][cleanup]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  const size_t fds_before = count_open_fds();
  Job job = one_step(ws.str(), "sleep 1000 & echo $! > \"$HODEI_WORKSPACE/bg.pid\"; trap '' TERM; sleep 1000");
  std::optional<pid_t> grandchild;
  {
    RunningJob running(plugin, job, sink);
    grandchild = wait_for_pid_file(ws.str() + "/bg.pid", seconds(10));
    REQUIRE(grandchild);
  } // destroy without cancel or wait
  CHECK(children_of(::getpid()).empty());
  CHECK(count_open_fds() == fds_before);
  CHECK(eventually([&] { return process_gone(*grandchild); }, seconds(5)));
}

TEST_CASE("a step inherits only fds 0, 1 and 2, even from a worker that forgot O_CLOEXEC", "[shell][cleanup]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  const int careless = ::open("/dev/null", O_RDONLY); // no O_CLOEXEC on purpose
  REQUIRE(careless >= 0);
  Job job = one_step(ws.str(), "ls /proc/$$/fd; true");
  const hodei_job_result r = run_job(plugin, job, sink);
  ::close(careless);
  CHECK(r.outcome == HODEI_OUTCOME_SUCCEEDED);
  CHECK(sink.out() == "0\n1\n2\n");
}

TEST_CASE("a process that left the step's group and holds its stdout does not hang the step", "[shell][cleanup]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  // setsid puts the sleep in a session (and group) of its own: the group kill cannot reach it, and it keeps the
  // step's stdout open. The step must still end, and the worker must not keep anything of it.
  Job job = one_step(ws.str(), "setsid sleep 1000 & echo $! > \"$HODEI_WORKSPACE/escaped.pid\"; echo done");
  const size_t fds_before = count_open_fds();
  const hodei_job_result r = run_job(plugin, job, sink, seconds(10));
  const auto escaped = wait_for_pid_file(ws.str() + "/escaped.pid", seconds(1));
  if (escaped) ::kill(*escaped, SIGKILL); // documented limitation: it survives the step; clean up after ourselves
  CHECK(r.outcome == HODEI_OUTCOME_SUCCEEDED);
  CHECK(sink.out() == "done\n");
  CHECK(count_open_fds() == fds_before);
  REQUIRE(escaped);
}
