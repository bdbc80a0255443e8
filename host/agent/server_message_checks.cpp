#include "server_message_checks.hpp"

#include "job/job_spec_parser.hpp"
#include "protocol/job_spec_mapping.hpp"

#include <algorithm>

namespace hodei::agent {

std::string job_id_problem(std::string_view job_id) {
  if (job_id.empty()) return "expected a job id, got an empty string";
  if (job_id.size() > kMaxJobIdChars) return "longer than " + std::to_string(kMaxJobIdChars) + " characters";
  if (job_id == "." || job_id == "..") return "'.' and '..' are not job ids";
  const bool allowed = std::all_of(job_id.begin(), job_id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
  if (!allowed) return "expected only letters, digits, '.', '_' and '-'";
  return {};
}

std::variant<CheckedAssignment, AssignmentRejection> check_assignment(const v1::JobAssignment &assignment) {
  const v1::JobLease &lease = assignment.lease();
  if (const std::string problem = job_id_problem(lease.job_id()); !problem.empty()) {
    return AssignmentRejection{v1::REJECT_CODE_OTHER, "lease.job_id: " + problem};
  }
  if (lease.lease_epoch() == 0) {
    return AssignmentRejection{v1::REJECT_CODE_OTHER, "lease.lease_epoch: expected the assignment's epoch (>= 1)"};
  }
  try {
    return CheckedAssignment{lease.job_id(), lease.lease_epoch(), protocol::from_proto(assignment.spec())};
  } catch (const protocol::SpecMappingError &e) {
    return AssignmentRejection{v1::REJECT_CODE_INVALID_SPEC, e.what()};
  }
}

std::chrono::milliseconds cancel_grace(const v1::CancelJob &cancel) {
  constexpr uint64_t kMaxMs = static_cast<uint64_t>(job::kMaxCancelGraceSeconds) * 1000;
  return std::chrono::milliseconds(static_cast<int64_t>(std::min(cancel.grace_ms(), kMaxMs)));
}

} // namespace hodei::agent
