// Writes a JobSpec back to its JSON form (docs/job-spec.md): parse_job_spec(job_spec_to_json(spec)) == spec.
#pragma once

#include "job_spec.hpp"

#include <string>

namespace hodei::job {

// The spec as JSON text, fields in the documented order, optional fields left out when they hold their default.
// Secrets are written in clear: this is the spec itself, not a report. cancel_grace is written in whole seconds
// (rounded down), as the format has it. Each executor_options value must be JSON object text (as the parser stores
// it); nlohmann::json::parse_error otherwise. `indent` < 0 writes one line.
std::string job_spec_to_json(const JobSpec &spec, int indent = 2);

} // namespace hodei::job
