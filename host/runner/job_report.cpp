#include "job_report.hpp"

#include "job_events.hpp"

namespace hodei::runner {

const char *to_string(JobOutcome outcome) noexcept {
  switch (outcome) {
  case JobOutcome::succeeded:
    return "succeeded";
  case JobOutcome::failed:
    return "failed";
  case JobOutcome::cancelled:
    return "cancelled";
  case JobOutcome::timed_out:
    return "timed_out";
  case JobOutcome::error:
    return "error";
  }
  return "unknown";
}

const char *to_string(JobPhase phase) noexcept {
  switch (phase) {
  case JobPhase::accepted:
    return "accepted";
  case JobPhase::preparing:
    return "preparing";
  case JobPhase::running:
    return "running";
  case JobPhase::uploading:
    return "uploading";
  case JobPhase::finished:
    return "finished";
  }
  return "unknown";
}

} // namespace hodei::runner
