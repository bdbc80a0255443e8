// The worker's checks of what the control plane sends, as pure functions (no agent state, no I/O) so that tests and
// the fuzz target fuzz/worker_protocol.cpp can drive them directly. The agent applies them before it looks at its
// own state (registry, capacity, drain).
#pragma once

#include "hodei/worker/v1/executor.pb.h"
#include "job/job_spec.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace hodei::agent {

namespace v1 = hodei::worker::v1;

// Longest job id the worker takes (it names workspace folders, spool files and containers).
inline constexpr std::size_t kMaxJobIdChars = 128;

// A JobAssignment the worker may run: its lease checked, its spec mapped to the domain model.
struct CheckedAssignment {
  std::string job_id;
  uint64_t epoch = 0;
  job::JobSpec spec;
};

// Why an assignment cannot be run whatever the worker's state: the answer is RejectJob{code, reason}.
struct AssignmentRejection {
  v1::RejectCode code = v1::REJECT_CODE_OTHER;
  std::string reason;
};

// "" when `job_id` is usable as a job id: 1..kMaxJobIdChars characters of [A-Za-z0-9._-], not "." or ".." (it
// becomes part of folder, file and container names). Otherwise what is wrong with it.
std::string job_id_problem(std::string_view job_id);

// Checks the lease (a usable job id, epoch >= 1: REJECT_CODE_OTHER) and maps the spec (protocol::from_proto;
// REJECT_CODE_INVALID_SPEC with the field named).
std::variant<CheckedAssignment, AssignmentRejection> check_assignment(const v1::JobAssignment &assignment);

// The grace period a CancelJob asks for, at most job::kMaxCancelGraceSeconds (a larger value would overflow the
// runner's deadline arithmetic; no job needs more than an hour to stop).
std::chrono::milliseconds cancel_grace(const v1::CancelJob &cancel);

} // namespace hodei::agent
