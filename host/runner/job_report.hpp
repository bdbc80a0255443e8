// What a finished job looks like to the rest of the host: the outcome, why, and each step's result.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hodei::runner {

enum class JobOutcome { succeeded, failed, cancelled, timed_out, error };

const char *to_string(JobOutcome outcome) noexcept;

struct StepReport {
  std::string name;
  bool ran = false;
  int32_t exit_code = -1;
  int32_t term_signal = 0;
  bool oom_killed = false;
  bool continue_on_error = false;
  std::chrono::system_clock::time_point started{};
  std::chrono::milliseconds duration{0};
};

// An artifact the job moved: an input fetched before it, or an output uploaded after it.
struct ArtifactSummary {
  bool output = false;
  std::string uri;
  std::string path; // workspace-relative
  uint64_t size = 0;
  std::string sha256;
};

struct JobReport {
  std::string job_id;
  std::string job_name;
  JobOutcome outcome = JobOutcome::error;
  int32_t exit_code = -1; // of the step that decided the outcome
  int32_t term_signal = 0;
  std::string message; // why, for error/cancelled/timed_out
  std::vector<StepReport> steps;
  std::vector<ArtifactSummary> artifacts;
  std::chrono::milliseconds duration{0};
};

} // namespace hodei::runner
