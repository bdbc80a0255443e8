#include "shell_job.hpp"

#include "job_validation.hpp"

#include <pthread.h>

namespace hodei::shell {

namespace {

// A wait longer than this is a wait forever; it also keeps steady_clock::now() + timeout from overflowing.
constexpr std::chrono::hours kForever{24 * 365};

bool failed(const sdk::StepResult &r) { return r.exit_code != 0 || r.term_signal != 0; }

} // namespace

ShellJob::ShellJob(const sdk::Host &host, const ShellConfig &config, const BaseEnvironment &base, sdk::JobSpec spec,
                   sdk::OutputSink sink)
    : host_(host), shell_(config.shell), base_(base), spec_(std::move(spec)), sink_(sink),
      buffer_(std::make_unique_for_overwrite<std::byte[]>(kReadBufferBytes)) {
  thread_ = std::thread([this] { run(); });
}

ShellJob::~ShellJob() {
  control_.cancel(sdk::CancelMode::force, std::chrono::milliseconds(0));
  if (thread_.joinable()) thread_.join();
}

std::optional<sdk::JobResult> ShellJob::wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(result_mutex_);
  const auto done = [this] { return result_.has_value(); };
  if (timeout.count() < 0 || timeout >= kForever) {
    result_cv_.wait(lock, done);
  } else {
    result_cv_.wait_for(lock, timeout, done);
  }
  return result_;
}

void ShellJob::cancel(sdk::CancelMode mode, std::chrono::milliseconds grace) { control_.cancel(mode, grace); }

void ShellJob::signal(int signo) { control_.signal(signo); }

void ShellJob::run() noexcept {
  ::pthread_setname_np(::pthread_self(), "hodei-shell-job"); // shows in top -H, gdb, /proc/<pid>/task/*/comm
  sdk::JobResult result;
  try {
    result = run_steps();
  } catch (const std::exception &e) {
    result = sdk::JobResult{};
    result.outcome = sdk::Outcome::error;
    result.message = std::string("internal error in the shell executor: ") + e.what();
  } catch (...) { // run() is the thread's body: an escaping exception would terminate the worker
    result = sdk::JobResult{};
    result.outcome = sdk::Outcome::error;
    result.message = "internal error in the shell executor";
  }
  publish(std::move(result));
}

sdk::JobResult ShellJob::run_steps() {
  sdk::JobResult result;
  result.outcome = sdk::Outcome::succeeded;
  StepRunner runner(control_, sink_, std::span(buffer_.get(), kReadBufferBytes));
  for (uint32_t i = 0; i < spec_.steps.size(); ++i) {
    if (control_.cancel_requested()) {
      result.outcome = sdk::Outcome::cancelled;
      break;
    }
    sink_.step_started(i);
    ++result.steps_run;
    const StepRun run = runner.run(launch_for(i));
    if (run.error) report_start_failure(*run.error);
    sink_.step_finished(run.result);
    host_.debug("job " + spec_.id + ": step " + std::to_string(i) + " '" + spec_.steps[i].name + "' ended: exit " +
                std::to_string(run.result.exit_code) + ", signal " + std::to_string(run.result.term_signal));
    result.exit_code = run.result.exit_code;
    result.term_signal = run.result.term_signal;
    if (control_.cancel_requested()) {
      result.outcome = sdk::Outcome::cancelled;
      break;
    }
    if (run.error) {
      result.outcome = sdk::Outcome::error;
      result.message = *run.error;
      break;
    }
    if (failed(run.result) && !spec_.steps[i].continue_on_error) {
      result.outcome = sdk::Outcome::failed;
      break;
    }
  }
  return result;
}

StepLaunch ShellJob::launch_for(uint32_t index) const {
  const sdk::StepSpec &step = spec_.steps[index];
  StepLaunch launch;
  launch.index = index;
  launch.name = step.name;
  launch.argv = shell_;
  launch.argv.push_back(step.run);
  launch.env = build_step_environment(base_, spec_, step);
  launch.cwd = resolve_working_dir(spec_.workspace, step.working_dir);
  return launch;
}

// The reason also goes to the step's stderr, where the person reading the job log will look for it.
void ShellJob::report_start_failure(const std::string &message) {
  host_.warn("job " + spec_.id + ": " + message);
  (void)sink_.write(sdk::Stream::err, "hodei-executor-shell: " + message + "\n");
}

void ShellJob::publish(sdk::JobResult result) {
  control_.finish();
  {
    std::lock_guard lock(result_mutex_);
    result_ = std::move(result);
  }
  result_cv_.notify_all();
}

} // namespace hodei::shell
