// DockerJob: one running job = one container. Threads:
//   - the job thread (owned, joined by the destructor): image (pull per policy) -> create the container -> start it
//     -> one exec per step, in order -> remove the container -> publish the result. The container is removed before
//     the result is published, so "wait returned" means "nothing is left on the daemon";
//   - the host's threads call wait (condition variable), cancel and signal (through JobControl), concurrently;
//   - JobControl's watchdog thread, only after a cancel, talks to the daemon for it.
#pragma once

#include "executor_context.hpp"
#include "interrupt.hpp"
#include "job_control.hpp"
#include "job_options.hpp"
#include "running_jobs.hpp"

#include <condition_variable>
#include <cstdint>
#include <hodei/sdk.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace hodei::docker {

class DockerJob final : public sdk::Job {
public:
  // Starts the job thread; returns at once. `spec` must have passed check_job_spec, `options` come from it.
  DockerJob(const ExecutorContext &context, sdk::JobSpec spec, JobOptions options, sdk::OutputSink sink);
  // Force-kills the container, waits for the job thread (which removes it) and the watchdog.
  ~DockerJob() override;

  std::optional<sdk::JobResult> wait(std::chrono::milliseconds timeout) override;
  void cancel(sdk::CancelMode mode, std::chrono::milliseconds grace) override;
  void signal(int signo) override;

private:
  void run() noexcept;
  void run_steps(sdk::JobResult &result);
  void ensure_image();
  void publish(sdk::JobResult result);

  const ExecutorContext &context_;
  RunningJobs::Registration registration_; // first member: unregistered last, after the container is gone
  const sdk::JobSpec spec_;
  const JobOptions options_;
  const sdk::OutputSink sink_;
  // One read buffer for the step's stream: reads happen one at a time on the job thread; the sink copies the bytes.
  std::unique_ptr<uint8_t[]> buffer_;
  Interrupt stream_interrupt_;

  JobControl control_;

  std::mutex result_mutex_;
  std::condition_variable result_cv_;
  std::optional<sdk::JobResult> result_;

  std::thread thread_; // last: it starts in the constructor and uses every member above
};

inline constexpr size_t kStreamBufferBytes = size_t{256} << 10;

} // namespace hodei::docker
