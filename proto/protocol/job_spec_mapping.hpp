// proto JobSpec (hodei.worker.v1.JobSpec, what travels in a JobAssignment) <-> hodei::job::JobSpec (the host's
// domain model). Shared by the worker (proto -> domain, before running an assignment) and the control plane
// (domain -> proto, after parsing a submitted JSON spec).
#pragma once

#include "hodei/worker/v1/common.pb.h"
#include "job/job_spec.hpp"

#include <stdexcept>
#include <string>

namespace hodei::protocol {

// A proto JobSpec that does not make a valid domain spec. `field()` is the proto path of the bad value
// ("steps[1].name"); what() says what was expected. The worker answers such an assignment with
// RejectJob{REJECT_CODE_INVALID_SPEC, what()}.
class SpecMappingError : public std::invalid_argument {
public:
  SpecMappingError(std::string field, const std::string &problem)
      : std::invalid_argument(field + ": " + problem), field_(std::move(field)) {}
  [[nodiscard]] const std::string &field() const noexcept { return field_; }

private:
  std::string field_;
};

// Domain -> proto. Total: every domain value has a proto spelling. Always sets cancel_grace_ms.
worker::v1::JobSpec to_proto(const job::JobSpec &spec);

// Proto -> domain. Applies the domain defaults for absent fields (cancel grace 10 s, cleanup "always") and the
// value rules a JSON spec is checked against (host/job/spec_rules.hpp and the limits of job_spec_parser.hpp): names
// of 1-128 characters on one line, executor id, env names, non-empty secrets that steps do not override, relative
// paths, URI schemes, SHA-256 digests, unique step names, 1-1000 steps with a script, timeout and cancel grace
// ranges, executor options that are JSON objects. Throws SpecMappingError on the first violation.
job::JobSpec from_proto(const worker::v1::JobSpec &spec);

} // namespace hodei::protocol
