#include "docker_job.hpp"

#include "container.hpp"
#include "container_spec.hpp"
#include "step_runner.hpp"

namespace hodei::docker {

namespace {

// A wait longer than this is a wait forever; it also keeps steady_clock::now() + timeout from overflowing.
constexpr std::chrono::hours kForever{24 * 365};
// How long destroy lets the daemon end a force-killed step's stream before closing the connection itself.
constexpr std::chrono::seconds kDestroyGrace{20};

bool failed(const sdk::StepResult &r) { return r.exit_code != 0 || r.term_signal != 0; }

} // namespace

DockerJob::DockerJob(const ExecutorContext &context, sdk::JobSpec spec, JobOptions options, sdk::OutputSink sink)
    : context_(context), registration_(context.running_jobs, spec.id), spec_(std::move(spec)),
      options_(std::move(options)), sink_(sink), buffer_(std::make_unique_for_overwrite<uint8_t[]>(kStreamBufferBytes)),
      control_(context.api, context.host, spec_.id) {
  thread_ = std::thread([this] { run(); });
}

DockerJob::~DockerJob() {
  control_.cancel(sdk::CancelMode::force, std::chrono::milliseconds(0));
  {
    std::unique_lock lock(result_mutex_);
    if (!result_cv_.wait_for(lock, kDestroyGrace, [this] { return result_.has_value(); })) {
      context_.host.warn("job " + spec_.id + ": the daemon has not ended the killed step's output stream after " +
                         std::to_string(kDestroyGrace.count()) + " s; closing it");
      stream_interrupt_.trigger();
    }
  }
  if (thread_.joinable()) thread_.join();
}

std::optional<sdk::JobResult> DockerJob::wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(result_mutex_);
  const auto done = [this] { return result_.has_value(); };
  if (timeout.count() < 0 || timeout >= kForever) {
    result_cv_.wait(lock, done);
  } else {
    result_cv_.wait_for(lock, timeout, done);
  }
  return result_;
}

void DockerJob::cancel(sdk::CancelMode mode, std::chrono::milliseconds grace) { control_.cancel(mode, grace); }

void DockerJob::signal(int signo) { control_.signal(signo); }

void DockerJob::run() noexcept {
  sdk::JobResult result;
  result.outcome = sdk::Outcome::succeeded;
  try {
    run_steps(result);
  } catch (const sdk::Error &e) {
    if (e.status() == HODEI_ERR_CANCELLED && control_.cancel_requested()) {
      result.outcome = sdk::Outcome::cancelled;
    } else {
      result.outcome = sdk::Outcome::error;
      result.message = e.what();
      context_.host.warn("job " + spec_.id + ": " + e.what());
    }
  } catch (const std::exception &e) {
    result.outcome = sdk::Outcome::error;
    result.message = std::string("internal error in the docker executor: ") + e.what();
    context_.host.error("job " + spec_.id + ": " + result.message);
  }
  publish(std::move(result));
}

void DockerJob::run_steps(sdk::JobResult &result) {
  if (spec_.steps.empty()) return;
  ensure_image();
  check_mount_sources_on_disk(options_, context_.config);
  if (control_.cancel_requested()) {
    result.outcome = sdk::Outcome::cancelled;
    return;
  }
  // Scope of the container: it is removed (RAII) before run() publishes the result, whatever happens in here.
  const Container container(context_.api, context_.host, context_.reaper,
                            container_create_body(options_, spec_.workspace, spec_.id, context_.worker_id),
                            container_name(spec_.id));
  const JobControl::Attachment attachment(control_, container.id());
  context_.host.debug("job " + spec_.id + ": container " + container.name() + " (" + container.id().substr(0, 12) +
                      ") created from " + options_.image);
  if (control_.cancel_requested()) {
    result.outcome = sdk::Outcome::cancelled;
    return;
  }
  // An image without /bin/sh still starts (PID 1 is docker-init, which then exits 127): the first exec says so.
  container.start();

  StepRunner runner(context_.api, control_, context_.host, sink_, stream_interrupt_,
                    std::span(buffer_.get(), kStreamBufferBytes));
  for (uint32_t i = 0; i < spec_.steps.size(); ++i) {
    const std::optional<StepRun> run = runner.run(container.id(), i, spec_.steps[i].name,
                                                  exec_create_body(options_, spec_, i), options_.memory.has_value());
    if (!run) {
      result.outcome = sdk::Outcome::cancelled;
      break;
    }
    ++result.steps_run;
    result.exit_code = run->result.exit_code;
    result.term_signal = run->result.term_signal;
    result.oom_killed = result.oom_killed || run->result.oom_killed;
    if (control_.cancel_requested()) {
      result.outcome = sdk::Outcome::cancelled;
      break;
    }
    if (run->error) {
      result.outcome = sdk::Outcome::error;
      result.message = "step \"" + spec_.steps[i].name + "\": " + *run->error;
      break;
    }
    if (failed(run->result) && !spec_.steps[i].continue_on_error) {
      result.outcome = sdk::Outcome::failed;
      break;
    }
  }
}

void DockerJob::ensure_image() {
  const std::string &image = options_.image;
  if (options_.pull_policy != PullPolicy::always && context_.api.image_exists(image)) return;
  if (options_.pull_policy == PullPolicy::never) {
    throw sdk::not_found("docker.image: image \"" + image +
                         "\" is not present on the Docker daemon and docker.pull is \"never\"");
  }
  context_.host.info("job " + spec_.id + ": pulling image " + image);
  context_.api.pull_image(image, &control_.pull_interrupt());
}

void DockerJob::publish(sdk::JobResult result) {
  control_.finish();
  {
    std::lock_guard lock(result_mutex_);
    result_ = std::move(result);
  }
  result_cv_.notify_all();
}

} // namespace hodei::docker
