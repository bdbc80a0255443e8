// Fuzz target: the job spec parser (host/job), which reads `hodei-worker run` files and every spec submitted to a
// control plane. Invariants: bad input is a SpecError, never a crash or another exception; an accepted spec written
// back with job_spec_to_json parses to the same spec (both indentations), so the writer and the parser agree; and
// it survives the protocol (to_proto, then the worker's from_proto): a spec the devserver accepts at submission is
// never one every worker rejects as INVALID_SPEC.
#include "fuzz_check.hpp"
#include "job/job_spec_parser.hpp"
#include "job/job_spec_writer.hpp"
#include "protocol/job_spec_mapping.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace hodei::job;
  const std::string_view text(reinterpret_cast<const char *>(data), size);
  ParseOptions options;
  options.executor_names = {"shell", "docker"};
  options.source_name = "fuzz";
  JobSpec spec;
  try {
    spec = parse_job_spec(text, options);
  } catch (const SpecError &) {
    return 0;
  }
  FUZZ_CHECK(!spec.steps.empty() && spec.steps.size() <= kMaxSteps, "an accepted spec has 1..kMaxSteps steps");
  for (const int indent : {2, -1}) {
    const JobSpec again = parse_job_spec(job_spec_to_json(spec, indent), options);
    FUZZ_CHECK(again == spec, "parse(write(spec)) == spec");
  }
  try {
    FUZZ_CHECK(hodei::protocol::from_proto(hodei::protocol::to_proto(spec)) == spec, "from_proto(to_proto(spec))");
  } catch (const hodei::protocol::SpecMappingError &e) {
    std::fprintf(stderr, "the worker refuses a spec the parser accepts: %s\n", e.what());
    FUZZ_CHECK(false, "every valid JSON spec maps to a proto spec the worker accepts");
  }
  return 0;
}
