// Receives a running job's output from the executor plugin (OutputReceiver), masks secrets per stream and forwards
// it, with step events, to the runner's JobEvents observer. Thread-safe as OutputReceiver requires.
#pragma once

#include "job_events.hpp"
#include "plugin-host/executor_handle.hpp"
#include "secret_masker.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <vector>

namespace hodei::runner {

class OutputRouter final : public plugins::OutputReceiver {
public:
  OutputRouter(const std::vector<std::string> &secrets, std::vector<StepReport> &steps, JobEvents &events);

  bool on_output(plugins::OutputStream stream, std::span<const uint8_t> bytes) override;
  void on_step_started(uint32_t index) override;
  void on_step_finished(const plugins::StepResult &result) override;

  // After this, on_output returns false so the executor knows the job is being cancelled.
  void mark_cancelling() noexcept { cancelling_ = true; }
  // Emits what the maskers still hold back (end of the job).
  void flush();

private:
  struct StreamState {
    std::mutex mutex;
    SecretMasker masker;
    explicit StreamState(const std::vector<std::string> &secrets) : masker(secrets) {}
  };
  StreamState &state(plugins::OutputStream stream);
  void flush_stream(plugins::OutputStream stream);

  JobEvents &events_;
  std::mutex steps_mutex_;
  std::vector<StepReport> &steps_;
  StreamState out_;
  StreamState err_;
  std::atomic<bool> cancelling_{false};
};

} // namespace hodei::runner
