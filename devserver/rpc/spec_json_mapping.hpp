// Job spec JSON text (docs/job-spec.md) <-> proto JobSpec, through the host's domain model:
//   JSON --hodei::job::parse_job_spec--> job::JobSpec --protocol::to_proto--> v1::JobSpec
//   v1::JobSpec --protocol::from_proto--> job::JobSpec --hodei::job::job_spec_to_json--> JSON
#pragma once

#include "hodei/worker/v1/common.pb.h"

#include <set>
#include <string>

namespace hodei::devserver::rpc {

// Throws hodei::job::SpecError when the text is not a valid spec. `executor_names`: see job::ParseOptions.
hodei::worker::v1::JobSpec spec_json_to_proto(const std::string &json_text,
                                              const std::set<std::string> &executor_names = {});

// Throws hodei::protocol::SpecMappingError when the proto spec is not valid.
std::string spec_proto_to_json(const hodei::worker::v1::JobSpec &spec, int indent = 2);

} // namespace hodei::devserver::rpc
