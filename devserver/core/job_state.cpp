#include "devserver/core/job_state.hpp"

namespace hodei::devserver {
namespace {

template <typename Enum, std::size_t N>
std::optional<Enum> parse_enum(std::string_view text, const std::array<Enum, N> &values) noexcept {
  for (const Enum value : values) {
    if (to_string(value) == text) return value;
  }
  return std::nullopt;
}

constexpr std::array kAllStates{JobState::queued,    JobState::assigned,  JobState::accepted,  JobState::preparing,
                                JobState::running,   JobState::uploading, JobState::succeeded, JobState::failed,
                                JobState::cancelled, JobState::timed_out, JobState::error,     JobState::lost};
constexpr std::array kAllOutcomes{Outcome::succeeded, Outcome::failed, Outcome::cancelled,
                                  Outcome::timed_out, Outcome::error,  Outcome::lost};
constexpr std::array kAllStepOutcomes{StepOutcome::succeeded, StepOutcome::failed, StepOutcome::skipped,
                                      StepOutcome::cancelled, StepOutcome::timed_out};

} // namespace

bool is_terminal(JobState state) noexcept {
  switch (state) {
  case JobState::succeeded:
  case JobState::failed:
  case JobState::cancelled:
  case JobState::timed_out:
  case JobState::error:
  case JobState::lost:
    return true;
  default:
    return false;
  }
}

bool is_leased(JobState state) noexcept { return state != JobState::queued && !is_terminal(state); }

JobState state_for(Outcome outcome) noexcept {
  switch (outcome) {
  case Outcome::succeeded:
    return JobState::succeeded;
  case Outcome::failed:
    return JobState::failed;
  case Outcome::cancelled:
    return JobState::cancelled;
  case Outcome::timed_out:
    return JobState::timed_out;
  case Outcome::error:
    return JobState::error;
  case Outcome::lost:
    return JobState::lost;
  }
  return JobState::error;
}

std::string_view to_string(JobState state) noexcept {
  switch (state) {
  case JobState::queued:
    return "queued";
  case JobState::assigned:
    return "assigned";
  case JobState::accepted:
    return "accepted";
  case JobState::preparing:
    return "preparing";
  case JobState::running:
    return "running";
  case JobState::uploading:
    return "uploading";
  case JobState::succeeded:
    return "succeeded";
  case JobState::failed:
    return "failed";
  case JobState::cancelled:
    return "cancelled";
  case JobState::timed_out:
    return "timed_out";
  case JobState::error:
    return "error";
  case JobState::lost:
    return "lost";
  }
  return "error";
}

std::string_view to_string(Outcome outcome) noexcept { return to_string(state_for(outcome)); }

std::string_view to_string(StepOutcome outcome) noexcept {
  switch (outcome) {
  case StepOutcome::succeeded:
    return "succeeded";
  case StepOutcome::failed:
    return "failed";
  case StepOutcome::skipped:
    return "skipped";
  case StepOutcome::cancelled:
    return "cancelled";
  case StepOutcome::timed_out:
    return "timed_out";
  }
  return "failed";
}

std::string_view to_string(LogStream stream) noexcept {
  switch (stream) {
  case LogStream::out:
    return "stdout";
  case LogStream::err:
    return "stderr";
  case LogStream::system:
    return "system";
  }
  return "system";
}

std::optional<JobState> job_state_from_string(std::string_view text) noexcept { return parse_enum(text, kAllStates); }
std::optional<Outcome> outcome_from_string(std::string_view text) noexcept { return parse_enum(text, kAllOutcomes); }
std::optional<StepOutcome> step_outcome_from_string(std::string_view text) noexcept {
  return parse_enum(text, kAllStepOutcomes);
}
std::optional<LogStream> log_stream_from_string(std::string_view text) noexcept {
  return parse_enum(text, kAllLogStreams);
}

} // namespace hodei::devserver
