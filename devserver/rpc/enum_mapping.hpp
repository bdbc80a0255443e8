// proto enums <-> the devserver's plain enums. from_proto returns nullopt for UNSPECIFIED and unknown values
// (a newer peer's additions), which the callers refuse as malformed.
#pragma once

#include "devserver/core/job_state.hpp"
#include "devserver/core/session_messages.hpp"
#include "hodei/worker/v1/admin.pb.h"
#include "hodei/worker/v1/common.pb.h"
#include "hodei/worker/v1/executor.pb.h"

#include <optional>

namespace hodei::devserver::rpc {

namespace v1 = hodei::worker::v1;

v1::LogStream to_proto(LogStream stream);
std::optional<LogStream> log_stream_from_proto(int value);

v1::JobOutcome to_proto(Outcome outcome);
std::optional<Outcome> outcome_from_proto(int value);

v1::StepOutcome to_proto(StepOutcome outcome);
std::optional<StepOutcome> step_outcome_from_proto(int value);

v1::JobState to_proto(JobState state);
std::optional<JobState> job_state_from_proto(int value);

std::optional<Phase> phase_from_proto(int value);

v1::ResumeAction to_proto(ResumeAction action);
v1::RefusalCode to_proto(Refusal refusal);

} // namespace hodei::devserver::rpc
