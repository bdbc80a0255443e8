#include "devserver/rpc/spec_json_mapping.hpp"

#include "job/job_spec_parser.hpp"
#include "job/job_spec_writer.hpp"
#include "protocol/job_spec_mapping.hpp"

namespace hodei::devserver::rpc {

hodei::worker::v1::JobSpec spec_json_to_proto(const std::string &json_text,
                                              const std::set<std::string> &executor_names) {
  job::ParseOptions options;
  options.executor_names = executor_names;
  return protocol::to_proto(job::parse_job_spec(json_text, options));
}

std::string spec_proto_to_json(const hodei::worker::v1::JobSpec &spec, int indent) {
  return job::job_spec_to_json(protocol::from_proto(spec), indent);
}

} // namespace hodei::devserver::rpc
