// The runner's observer: everything a job does, in order, for the console (run mode) or the log journal and the
// control-plane client (serve mode). Output arrives already masked.
#pragma once

#include "job_report.hpp"

#include <cstdint>
#include <span>
#include <string_view>

namespace hodei::runner {

enum class JobPhase { accepted, preparing, running, uploading, finished };
enum class LogStream : uint32_t { out = 1, err = 2, system = 3 };

const char *to_string(JobPhase phase) noexcept;

class JobEvents {
public:
  virtual ~JobEvents() = default;
  virtual void on_phase(JobPhase phase) = 0;
  virtual void on_step_started(uint32_t index, const StepReport &step) = 0;
  // Masked output. May block (backpressure reaches the executor). Called from executor threads, never concurrently
  // for the same stream.
  virtual void on_output(LogStream stream, std::span<const uint8_t> bytes) = 0;
  virtual void on_step_finished(uint32_t index, const StepReport &step) = 0;
  virtual void on_finished(const JobReport &report) = 0;
};

} // namespace hodei::runner
