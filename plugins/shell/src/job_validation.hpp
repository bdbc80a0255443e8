// Checks of a job spec that need nothing but the spec itself, run before anything starts.
#pragma once

#include <hodei/sdk.hpp>
#include <string>
#include <string_view>

namespace hodei::shell {

// Throws hodei::sdk::Error(INVALID_ARGUMENT) naming the first bad field ("steps[1].working_dir: ..."). Messages
// name keys, never values of secrets.
void validate_job(const sdk::JobSpec &spec);

// The step's folder: the workspace, or `working_dir` under it. `working_dir` must have passed validate_job.
std::string resolve_working_dir(std::string_view workspace, std::string_view working_dir);

} // namespace hodei::shell
