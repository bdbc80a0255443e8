#include "job_runner.hpp"

#include "artifacts/artifact_manager.hpp"
#include "output_router.hpp"
#include "plugin-host/plugin_registry.hpp"
#include "workspace.hpp"

#include <random>
#include <spdlog/spdlog.h>

namespace hodei::runner {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How often the runner looks at cancel requests and the deadline while the executor runs.
constexpr milliseconds poll_interval{50};
// After the grace period, how long the runner lets the executor's own escalation work before forcing it.
constexpr milliseconds force_margin{2000};

plugins::ExecSpec to_exec_spec(const std::string &job_id, const job::JobSpec &spec, const std::string &workspace) {
  plugins::ExecSpec e;
  e.job_id = job_id;
  e.job_name = spec.name;
  e.workspace = workspace;
  e.env = spec.env;
  e.secrets = spec.secrets;
  for (const job::Step &s : spec.steps) {
    std::string dir = s.working_dir;
    if (dir.empty()) dir = spec.working_directory;
    e.steps.push_back({s.name, s.run, dir, s.continue_on_error, s.env});
  }
  const std::string short_name = spec.executor.substr(spec.executor.rfind('.') + 1);
  if (const auto it = spec.executor_options.find(short_name); it != spec.executor_options.end()) {
    e.options_json = it->second;
  }
  return e;
}

std::vector<StepReport> initial_steps(const job::JobSpec &spec) {
  std::vector<StepReport> steps;
  for (const job::Step &s : spec.steps) {
    StepReport r;
    r.name = s.name;
    r.continue_on_error = s.continue_on_error;
    steps.push_back(r);
  }
  return steps;
}

JobOutcome to_outcome(plugins::Outcome o) {
  switch (o) {
  case plugins::Outcome::succeeded:
    return JobOutcome::succeeded;
  case plugins::Outcome::failed:
    return JobOutcome::failed;
  case plugins::Outcome::cancelled:
    return JobOutcome::cancelled;
  case plugins::Outcome::error:
    break;
  }
  return JobOutcome::error;
}

std::string loaded_executors(const plugins::PluginRegistry &registry) {
  std::string list;
  for (const std::string &n : registry.executor_names()) list += (list.empty() ? "" : ", ") + n;
  return list.empty() ? "none" : list;
}

// Drives a started job until it ends, turning cancel requests and the deadline into graceful-then-force cancels.
class Supervisor {
public:
  Supervisor(plugins::RunningJob &job, OutputRouter &router, const CancelSource &cancel,
             std::optional<Clock::time_point> deadline, milliseconds grace)
      : job_(job), router_(router), cancel_(cancel), deadline_(deadline), grace_(grace) {}

  plugins::ExecResult run() {
    for (;;) {
      if (std::optional<plugins::ExecResult> r = job_.wait(poll_interval)) return *r;
      check_stop_requests();
    }
  }
  [[nodiscard]] bool timed_out() const noexcept { return timed_out_; }
  [[nodiscard]] bool cancelled() const noexcept { return stop_sent_ && !timed_out_; }

private:
  void check_stop_requests() {
    const Clock::time_point now = Clock::now();
    if (!stop_sent_ && cancel_.cancelled()) {
      const milliseconds asked = cancel_.grace();
      send_graceful_stop(now, asked.count() >= 0 ? asked : grace_);
    } else if (!stop_sent_ && deadline_ && now >= *deadline_) {
      timed_out_ = true;
      send_graceful_stop(now, grace_);
    } else if (stop_sent_ && !force_sent_ && (now >= force_at_ || cancel_.forced())) {
      force_sent_ = true;
      if (!cancel_.forced()) {
        spdlog::warn("job still running {} ms after its grace period: forcing it", force_margin.count());
      }
      job_.cancel(plugins::CancelMode::force, milliseconds(0));
    }
  }
  void send_graceful_stop(Clock::time_point now, milliseconds grace) {
    stop_sent_ = true;
    router_.mark_cancelling();
    force_at_ = now + grace + force_margin;
    job_.cancel(plugins::CancelMode::graceful, grace);
  }

  plugins::RunningJob &job_;
  OutputRouter &router_;
  const CancelSource &cancel_;
  std::optional<Clock::time_point> deadline_;
  milliseconds grace_;
  bool stop_sent_ = false;
  bool force_sent_ = false;
  bool timed_out_ = false;
  Clock::time_point force_at_{};
};

// The decisive step: the last one that ran (its exit code is the job's).
void fill_exit_status(JobReport &report, const plugins::ExecResult &r) {
  report.exit_code = r.exit_code;
  report.term_signal = r.term_signal;
}

void system_line(JobEvents &events, const std::string &line) {
  const std::string text = line + "\n";
  events.on_output(LogStream::system, {reinterpret_cast<const uint8_t *>(text.data()), text.size()});
}

void add_artifacts(JobReport &report, const std::vector<artifacts::ArtifactRecord> &records) {
  for (const artifacts::ArtifactRecord &r : records) {
    report.artifacts.push_back(
        {r.direction == artifacts::ArtifactRecord::Direction::output, r.uri, r.path, r.size, r.sha256});
  }
}

} // namespace

std::string make_local_job_id() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  std::random_device rd;
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%04x", rd() & 0xFFFFu);
  return std::string("run-") + stamp + "-" + suffix;
}

RunResult JobRunner::run(const std::string &job_id, const job::JobSpec &spec, const RunOptions &options,
                         JobEvents &events, const CancelSource &cancel) {
  RunResult result;
  JobReport &report = result.report;
  report.job_id = job_id;
  report.job_name = spec.name;
  report.steps = initial_steps(spec);
  const Clock::time_point started = Clock::now();
  auto finish = [&](JobOutcome outcome, std::string message, ErrorKind kind = ErrorKind::none) -> RunResult {
    report.outcome = outcome;
    report.message = std::move(message);
    report.duration = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
    result.error_kind = kind;
    events.on_phase(JobPhase::finished);
    events.on_finished(report);
    return result;
  };

  events.on_phase(JobPhase::accepted);
  std::shared_ptr<plugins::ExecutorHandle> executor;
  try {
    executor = registry_.executor(spec.executor);
  } catch (const std::exception &e) {
    return finish(JobOutcome::error, e.what(), ErrorKind::spec);
  }
  if (!executor) {
    return finish(JobOutcome::error,
                  "executor '" + spec.executor + "' is not loaded (loaded: " + loaded_executors(registry_) + ")",
                  ErrorKind::infrastructure);
  }

  events.on_phase(JobPhase::preparing);
  std::optional<Workspace> workspace;
  try {
    workspace.emplace(options.workspace_dir ? Workspace::use_existing(*options.workspace_dir)
                                            : Workspace::create_under(options.workspace_root, job_id));
  } catch (const std::exception &e) {
    return finish(JobOutcome::error, std::string("cannot create the workspace: ") + e.what(),
                  ErrorKind::infrastructure);
  }
  const plugins::ExecSpec exec_spec = to_exec_spec(job_id, spec, workspace->path().string());
  try {
    executor->validate(exec_spec);
  } catch (const plugins::PluginCallError &e) {
    return finish(JobOutcome::error, std::string("executor refused the job: ") + e.what(), ErrorKind::spec);
  }

  const bool has_artifacts = !spec.inputs.empty() || !spec.outputs.empty();
  if (has_artifacts && options.artifacts == nullptr) {
    return finish(JobOutcome::error, "this job has artifacts but the worker has no artifact manager",
                  ErrorKind::infrastructure);
  }
  const auto progress = [&events](const std::string &line) { system_line(events, line); };
  const auto stop_requested = [&cancel] { return cancel.cancelled(); };
  if (!spec.inputs.empty()) {
    try {
      add_artifacts(report, options.artifacts->fetch_inputs(spec.inputs, workspace->path(), progress, stop_requested));
    } catch (const std::exception &e) {
      system_line(events, std::string("error: ") + e.what());
      return finish(cancel.cancelled() ? JobOutcome::cancelled : JobOutcome::error,
                    std::string("fetching artifact inputs failed: ") + e.what(), ErrorKind::infrastructure);
    }
  }

  std::vector<std::string> secret_values;
  for (const auto &[name, value] : spec.secrets) secret_values.push_back(value);
  OutputRouter router(secret_values, report.steps, events);
  const std::optional<std::chrono::seconds> timeout =
      options.timeout_override ? options.timeout_override : spec.timeout;
  std::optional<Clock::time_point> deadline;
  if (timeout) deadline = Clock::now() + *timeout;

  plugins::ExecResult exec;
  bool timed_out = false;
  bool cancelled = false;
  try {
    std::unique_ptr<plugins::RunningJob> running = executor->start(exec_spec, router);
    events.on_phase(JobPhase::running);
    Supervisor supervisor(*running, router, cancel, deadline, spec.cancel_grace);
    exec = supervisor.run();
    timed_out = supervisor.timed_out();
    cancelled = supervisor.cancelled();
  } catch (const plugins::PluginCallError &e) {
    router.flush();
    return finish(JobOutcome::error, std::string("executor failed: ") + e.what(), ErrorKind::infrastructure);
  }
  router.flush();
  fill_exit_status(report, exec);

  if (!spec.outputs.empty() && !cancelled && !timed_out && exec.outcome != plugins::Outcome::error) {
    events.on_phase(JobPhase::uploading);
    try {
      add_artifacts(report, options.artifacts->upload_outputs(spec.outputs, workspace->path(),
                                                              exec.outcome == plugins::Outcome::succeeded, progress,
                                                              stop_requested));
    } catch (const std::exception &e) {
      system_line(events, std::string("error: ") + e.what());
      workspace->keep(); // keep what could not be uploaded for inspection
      return finish(JobOutcome::error, std::string("uploading artifact outputs failed: ") + e.what(),
                    ErrorKind::infrastructure);
    }
  }

  const bool keep =
      options.keep_workspace || spec.workspace_cleanup == job::WorkspaceCleanup::never ||
      (spec.workspace_cleanup == job::WorkspaceCleanup::on_success && exec.outcome != plugins::Outcome::succeeded);
  if (keep) workspace->keep();

  if (timed_out)
    return finish(JobOutcome::timed_out, "job exceeded its timeout of " + std::to_string(timeout->count()) + " s");
  if (cancelled) return finish(JobOutcome::cancelled, "cancelled: " + cancel.reason());
  if (exec.outcome == plugins::Outcome::error) {
    return finish(JobOutcome::error, exec.message, ErrorKind::infrastructure);
  }
  return finish(to_outcome(exec.outcome), exec.message);
}

} // namespace hodei::runner
