// JobEvents for a person at a terminal (`hodei-worker run`): the job's stdout to our stdout and its stderr to our
// stderr, byte for byte and live; the worker's own lines ("==> step ...", the summary) to stderr. On a terminal the
// job's stderr is shown in red so the two streams stay distinguishable when they share a screen.
#pragma once

#include "runner/job_events.hpp"

#include <mutex>

namespace hodei::cli {

class ConsoleEvents final : public runner::JobEvents {
public:
  explicit ConsoleEvents(bool color);

  void on_phase(runner::JobPhase phase) override;
  void on_step_started(uint32_t index, const runner::StepReport &step) override;
  void on_output(runner::LogStream stream, std::span<const uint8_t> bytes) override;
  void on_step_finished(uint32_t index, const runner::StepReport &step) override;
  void on_finished(const runner::JobReport &report) override;

private:
  void say(const std::string &line);
  std::mutex mutex_; // one writer at a time keeps colour codes and lines whole
  bool color_;
  size_t step_count_ = 0;
};

// "exit 0", "exit 3", "signal 15 (Terminated)", "not run".
std::string describe_exit(const runner::StepReport &step);

} // namespace hodei::cli
