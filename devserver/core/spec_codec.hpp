// Submitted job specs: JSON text validated with the host's own parser (host/job/job_spec_parser.hpp), so the
// devserver accepts exactly what a worker's `hodei-worker run` would.
#pragma once

#include "job/job_spec.hpp"

#include <set>
#include <string>

namespace hodei::devserver {

// Parses a spec at submission. `known_executors` are the executor short names of the registered workers: a
// top-level object named after one of them is that executor's options, any other unknown key is refused.
// Throws job::SpecError (what() names the JSON path).
job::JobSpec parse_submitted_spec(const std::string &json_text, const std::set<std::string> &known_executors);

// Parses a spec that was accepted at submission (to build an assignment, possibly after a restart): every
// top-level object key is taken as executor options, since the strict check already ran. Throws job::SpecError.
job::JobSpec parse_stored_spec(const std::string &json_text);

} // namespace hodei::devserver
