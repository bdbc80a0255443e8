#include "devserver/rpc/enum_mapping.hpp"

namespace hodei::devserver::rpc {

v1::LogStream to_proto(LogStream stream) {
  switch (stream) {
  case LogStream::out:
    return v1::LOG_STREAM_STDOUT;
  case LogStream::err:
    return v1::LOG_STREAM_STDERR;
  case LogStream::system:
    return v1::LOG_STREAM_SYSTEM;
  }
  return v1::LOG_STREAM_UNSPECIFIED;
}

std::optional<LogStream> log_stream_from_proto(int value) {
  switch (value) {
  case v1::LOG_STREAM_STDOUT:
    return LogStream::out;
  case v1::LOG_STREAM_STDERR:
    return LogStream::err;
  case v1::LOG_STREAM_SYSTEM:
    return LogStream::system;
  default:
    return std::nullopt;
  }
}

v1::JobOutcome to_proto(Outcome outcome) {
  switch (outcome) {
  case Outcome::succeeded:
    return v1::JOB_OUTCOME_SUCCEEDED;
  case Outcome::failed:
    return v1::JOB_OUTCOME_FAILED;
  case Outcome::cancelled:
    return v1::JOB_OUTCOME_CANCELLED;
  case Outcome::timed_out:
    return v1::JOB_OUTCOME_TIMED_OUT;
  case Outcome::error:
    return v1::JOB_OUTCOME_ERROR;
  case Outcome::lost:
    return v1::JOB_OUTCOME_LOST;
  }
  return v1::JOB_OUTCOME_UNSPECIFIED;
}

std::optional<Outcome> outcome_from_proto(int value) {
  switch (value) {
  case v1::JOB_OUTCOME_SUCCEEDED:
    return Outcome::succeeded;
  case v1::JOB_OUTCOME_FAILED:
    return Outcome::failed;
  case v1::JOB_OUTCOME_CANCELLED:
    return Outcome::cancelled;
  case v1::JOB_OUTCOME_TIMED_OUT:
    return Outcome::timed_out;
  case v1::JOB_OUTCOME_ERROR:
    return Outcome::error;
  case v1::JOB_OUTCOME_LOST:
    return Outcome::lost;
  default:
    return std::nullopt;
  }
}

v1::StepOutcome to_proto(StepOutcome outcome) {
  switch (outcome) {
  case StepOutcome::succeeded:
    return v1::STEP_OUTCOME_SUCCEEDED;
  case StepOutcome::failed:
    return v1::STEP_OUTCOME_FAILED;
  case StepOutcome::skipped:
    return v1::STEP_OUTCOME_SKIPPED;
  case StepOutcome::cancelled:
    return v1::STEP_OUTCOME_CANCELLED;
  case StepOutcome::timed_out:
    return v1::STEP_OUTCOME_TIMED_OUT;
  }
  return v1::STEP_OUTCOME_UNSPECIFIED;
}

std::optional<StepOutcome> step_outcome_from_proto(int value) {
  switch (value) {
  case v1::STEP_OUTCOME_SUCCEEDED:
    return StepOutcome::succeeded;
  case v1::STEP_OUTCOME_FAILED:
    return StepOutcome::failed;
  case v1::STEP_OUTCOME_SKIPPED:
    return StepOutcome::skipped;
  case v1::STEP_OUTCOME_CANCELLED:
    return StepOutcome::cancelled;
  case v1::STEP_OUTCOME_TIMED_OUT:
    return StepOutcome::timed_out;
  default:
    return std::nullopt;
  }
}

v1::JobState to_proto(JobState state) {
  switch (state) {
  case JobState::queued:
    return v1::JOB_STATE_QUEUED;
  case JobState::assigned:
    return v1::JOB_STATE_ASSIGNED;
  case JobState::accepted:
    return v1::JOB_STATE_ACCEPTED;
  case JobState::preparing:
    return v1::JOB_STATE_PREPARING;
  case JobState::running:
    return v1::JOB_STATE_RUNNING;
  case JobState::uploading:
    return v1::JOB_STATE_UPLOADING;
  case JobState::succeeded:
    return v1::JOB_STATE_SUCCEEDED;
  case JobState::failed:
    return v1::JOB_STATE_FAILED;
  case JobState::cancelled:
    return v1::JOB_STATE_CANCELLED;
  case JobState::timed_out:
    return v1::JOB_STATE_TIMED_OUT;
  case JobState::error:
    return v1::JOB_STATE_ERROR;
  case JobState::lost:
    return v1::JOB_STATE_LOST;
  }
  return v1::JOB_STATE_UNSPECIFIED;
}

std::optional<JobState> job_state_from_proto(int value) {
  switch (value) {
  case v1::JOB_STATE_QUEUED:
    return JobState::queued;
  case v1::JOB_STATE_ASSIGNED:
    return JobState::assigned;
  case v1::JOB_STATE_ACCEPTED:
    return JobState::accepted;
  case v1::JOB_STATE_PREPARING:
    return JobState::preparing;
  case v1::JOB_STATE_RUNNING:
    return JobState::running;
  case v1::JOB_STATE_UPLOADING:
    return JobState::uploading;
  case v1::JOB_STATE_SUCCEEDED:
    return JobState::succeeded;
  case v1::JOB_STATE_FAILED:
    return JobState::failed;
  case v1::JOB_STATE_CANCELLED:
    return JobState::cancelled;
  case v1::JOB_STATE_TIMED_OUT:
    return JobState::timed_out;
  case v1::JOB_STATE_ERROR:
    return JobState::error;
  case v1::JOB_STATE_LOST:
    return JobState::lost;
  default:
    return std::nullopt;
  }
}

std::optional<Phase> phase_from_proto(int value) {
  switch (value) {
  case v1::JOB_PHASE_ACCEPTED:
    return Phase::accepted;
  case v1::JOB_PHASE_PREPARING:
    return Phase::preparing;
  case v1::JOB_PHASE_RUNNING:
    return Phase::running;
  case v1::JOB_PHASE_UPLOADING:
    return Phase::uploading;
  case v1::JOB_PHASE_FINISHED:
    return Phase::finished;
  default:
    return std::nullopt;
  }
}

v1::ResumeAction to_proto(ResumeAction action) {
  switch (action) {
  case ResumeAction::keep_running:
    return v1::RESUME_ACTION_CONTINUE;
  case ResumeAction::forget:
    return v1::RESUME_ACTION_FORGET;
  case ResumeAction::abandon:
    return v1::RESUME_ACTION_ABANDON;
  }
  return v1::RESUME_ACTION_UNSPECIFIED;
}

v1::RefusalCode to_proto(Refusal refusal) {
  switch (refusal) {
  case Refusal::stale_epoch:
    return v1::REFUSAL_CODE_STALE_EPOCH;
  case Refusal::not_leased:
    return v1::REFUSAL_CODE_NOT_LEASED;
  case Refusal::malformed:
    return v1::REFUSAL_CODE_MALFORMED;
  case Refusal::log_gap:
    return v1::REFUSAL_CODE_LOG_GAP;
  case Refusal::log_chunk_too_large:
    return v1::REFUSAL_CODE_LOG_CHUNK_TOO_LARGE;
  case Refusal::logs_incomplete:
    return v1::REFUSAL_CODE_LOGS_INCOMPLETE;
  case Refusal::invalid_transition:
    return v1::REFUSAL_CODE_INVALID_TRANSITION;
  }
  return v1::REFUSAL_CODE_UNSPECIFIED;
}

} // namespace hodei::devserver::rpc
