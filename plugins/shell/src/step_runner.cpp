#include "step_runner.hpp"

#include "output_pump.hpp"
#include "pipe.hpp"
#include "process_group.hpp"

#include <cerrno>
#include <cstring>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <system_error>

namespace hodei::shell {

namespace {

using Clock = std::chrono::steady_clock;

// Checked in the worker (the spawned child would only report a bare ENOENT, the same as for a missing shell), so the
// message says which of the two is wrong.
std::optional<std::string> check_directory(const std::string &cwd) {
  struct stat st {};
  if (::stat(cwd.c_str(), &st) != 0) return "working folder " + cwd + ": " + std::generic_category().message(errno);
  if (!S_ISDIR(st.st_mode)) return "working folder " + cwd + ": not a folder";
  return std::nullopt;
}

// Phase 1: the step runs. Ends when the leader exits, whatever the pipes do.
void pump_until_leader_exits(OutputPump &pump, const ProcessGroup &group) {
  const bool have_pidfd = group.exit_fd() >= 0;
  const std::chrono::milliseconds wait = have_pidfd ? std::chrono::milliseconds(-1) : kExitPollTick;
  while (!group.leader_exited()) pump.pump_once(wait, group.exit_fd());
}

// Phase 2: the leader is gone; give its leftovers kDrainWindow to finish writing and close the pipes. During a
// graceful cancel they get the rest of the grace period instead: the shell typically dies of SIGTERM at once while its
// children are still cleaning up, and they were promised the grace period. The group stays attached meanwhile, so
// the watchdog SIGKILLs it at the deadline and the pipes then reach end of file.
void drain_window(OutputPump &pump, const JobControl &control) {
  const auto window_end = Clock::now() + kDrainWindow;
  while (pump.open()) {
    auto until = window_end;
    if (const auto deadline = control.graceful_kill_deadline()) until = std::max(until, *deadline);
    const auto now = Clock::now();
    if (now >= until) break;
    pump.pump_once(std::chrono::duration_cast<std::chrono::milliseconds>(until - now) + std::chrono::milliseconds(1),
                   -1);
  }
}

// Phase 3: the group was SIGKILLed; take what the dead wrote, but stop if only an escaped process keeps a pipe open.
void drain_after_kill(OutputPump &pump, size_t read_buffer_bytes) {
  const uint64_t byte_limit = pump.bytes_read() + 2 * static_cast<uint64_t>(kPipeBufferBytes) + read_buffer_bytes;
  const auto wait_limit = pump.time_in_poll() + kFinalDrainLimit;
  while (pump.open() && pump.bytes_read() < byte_limit && pump.time_in_poll() < wait_limit) {
    if (!pump.pump_once(kFinalDrainIdle, -1)) break;
  }
  pump.close();
}

void set_exit_status(sdk::StepResult &result, std::optional<int> status) {
  if (status && WIFEXITED(*status)) {
    result.exit_code = WEXITSTATUS(*status);
    result.term_signal = 0;
  } else if (status && WIFSIGNALED(*status)) {
    result.exit_code = -1;
    result.term_signal = WTERMSIG(*status);
  }
}

} // namespace

StepRun StepRunner::run(const StepLaunch &launch) {
  StepRun run;
  run.result.index = launch.index;
  run.result.started = std::chrono::system_clock::now();
  const auto t0 = Clock::now();
  if (auto problem = check_directory(launch.cwd)) {
    run.error = "step '" + launch.name + "': " + *problem;
  } else {
    try {
      run = run_started(launch, std::move(run));
    } catch (const std::system_error &e) {
      run.error = "step '" + launch.name + "': cannot start " + launch.argv.front() + " in " + launch.cwd + ": " +
                  e.code().message();
    }
  }
  run.result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  return run;
}

StepRun StepRunner::run_started(const StepLaunch &launch, StepRun run) {
  Pipe out = Pipe::create();
  Pipe err = Pipe::create();
  ProcessGroup group = ProcessGroup::spawn({launch.argv, launch.env, launch.cwd, out.write.get(), err.write.get()});
  // Only the child may hold the write ends, or the pipes would never reach end of file.
  out.write.reset();
  err.write.reset();

  OutputPump pump(std::move(out.read), std::move(err.read), sink_, buffer_);
  JobControl::Attachment attachment(control_, group);
  pump_until_leader_exits(pump, group);
  drain_window(pump, control_);
  attachment.detach();
  group.signal(SIGKILL); // the leftovers; the unreaped leader still reserves the group id
  drain_after_kill(pump, buffer_.size());
  set_exit_status(run.result, group.reap());
  if (pump.sink_cancelled()) control_.note_sink_cancelled();
  return run;
}

} // namespace hodei::shell
