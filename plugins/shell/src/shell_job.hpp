// ShellJob: one running job. Threads:
//   - the job thread (owned, joined by the destructor) runs the steps in order: spawn, pump output to the sink, reap;
//   - the host's threads call wait (condition variable), cancel and signal (through JobControl), concurrently;
//   - JobControl's watchdog thread exists only after a graceful cancel, to escalate to SIGKILL on time.
#pragma once

#include "job_control.hpp"
#include "shell_config.hpp"
#include "step_environment.hpp"
#include "step_runner.hpp"

#include <condition_variable>
#include <cstddef>
#include <hodei/sdk.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace hodei::shell {

class ShellJob final : public sdk::Job {
public:
  // Starts the job thread; returns at once. `spec` must have passed validate_job.
  ShellJob(const sdk::Host &host, const ShellConfig &config, const BaseEnvironment &base, sdk::JobSpec spec,
           sdk::OutputSink sink);
  // Force-kills a running step, waits for the job thread (which reaps everything) and the watchdog.
  ~ShellJob() override;

  std::optional<sdk::JobResult> wait(std::chrono::milliseconds timeout) override;
  void cancel(sdk::CancelMode mode, std::chrono::milliseconds grace) override;
  void signal(int signo) override;

private:
  void run() noexcept;
  sdk::JobResult run_steps();
  [[nodiscard]] StepLaunch launch_for(uint32_t index) const;
  void report_start_failure(const std::string &message);
  void publish(sdk::JobResult result);

  const sdk::Host &host_;
  const std::vector<std::string> shell_;
  const BaseEnvironment &base_;
  const sdk::JobSpec spec_;
  const sdk::OutputSink sink_;
  // One read buffer for both pipes: reads happen one at a time on the job thread and the sink copies the bytes.
  std::unique_ptr<std::byte[]> buffer_;

  JobControl control_;

  std::mutex result_mutex_;
  std::condition_variable result_cv_;
  std::optional<sdk::JobResult> result_;

  std::thread thread_; // last: it starts in the constructor and uses every member above
};

inline constexpr size_t kReadBufferBytes = size_t{1} << 20;

} // namespace hodei::shell
