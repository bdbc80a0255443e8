// Fuzz target: the worker's handling of what the control plane sends. Input: a serialized hodei.worker.v1
// ServerMessage (as gRPC hands it to the agent's reader). It goes through the pure checks the agent applies
// (host/agent/server_message_checks.hpp) and the proto <-> domain spec mapping (proto/protocol/).
// Invariants:
//   - check_assignment accepts or rejects, never throws; an accepted assignment has a usable job id and epoch >= 1;
//   - an accepted spec survives domain -> proto -> domain unchanged, and domain -> JSON -> parse_job_spec (what
//     `hodei-worker run` and the devserver read) with only the documented normalisations (cancel grace in whole
//     seconds, executor options re-serialised);
//   - a cancel's grace is within 0..kMaxCancelGraceSeconds; log acks and resume decisions map or are ignored.
#include "fuzz_check.hpp"
#include "job/job_spec_parser.hpp"
#include "job/job_spec_writer.hpp"
#include "protocol/job_spec_mapping.hpp"
#include "server_message_checks.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <google/protobuf/stubs/logging.h>
#include <nlohmann/json.hpp>

namespace {

using namespace hodei;
namespace v1 = hodei::worker::v1;

void check_spec_round_trips(const job::JobSpec &spec) {
  FUZZ_CHECK(protocol::from_proto(protocol::to_proto(spec)) == spec, "from_proto(to_proto(spec)) == spec");

  job::JobSpec expected = spec;
  expected.cancel_grace = std::chrono::duration_cast<std::chrono::seconds>(spec.cancel_grace);
  job::ParseOptions options;
  for (auto &[executor, text] : expected.executor_options) {
    options.executor_names.insert(executor);
    text = nlohmann::json::parse(text).dump();
  }
  job::JobSpec parsed;
  try {
    parsed = job::parse_job_spec(job::job_spec_to_json(spec), options);
  } catch (const job::SpecError &e) {
    std::fprintf(stderr, "the JSON form of an accepted proto spec does not parse: %s\n", e.what());
    FUZZ_CHECK(false, "a spec the worker accepts over the protocol is a valid JSON spec");
  }
  FUZZ_CHECK(parsed == expected, "parse_job_spec(job_spec_to_json(spec)) == spec");
}

void check_assignment_message(const v1::JobAssignment &assignment) {
  const auto checked = agent::check_assignment(assignment);
  if (const auto *rejection = std::get_if<agent::AssignmentRejection>(&checked)) {
    FUZZ_CHECK(!rejection->reason.empty(), "a rejection says why");
    FUZZ_CHECK(rejection->code == v1::REJECT_CODE_OTHER || rejection->code == v1::REJECT_CODE_INVALID_SPEC,
               "lease problems are OTHER, spec problems INVALID_SPEC");
    return;
  }
  const auto &accepted = std::get<agent::CheckedAssignment>(checked);
  FUZZ_CHECK(agent::job_id_problem(accepted.job_id).empty(), "an accepted job id is usable");
  FUZZ_CHECK(accepted.job_id.find('/') == std::string::npos && accepted.job_id != "..", "no path in a job id");
  FUZZ_CHECK(accepted.epoch >= 1, "an accepted epoch is >= 1");
  check_spec_round_trips(accepted.spec);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const bool quiet = (google::protobuf::SetLogHandler(nullptr), true); // invalid UTF-8 is logged
  (void)quiet;
  v1::ServerMessage message;
  if (!message.ParseFromArray(data, static_cast<int>(size))) return 0;
  switch (message.payload_case()) {
  case v1::ServerMessage::kAssignment:
    check_assignment_message(message.assignment());
    break;
  case v1::ServerMessage::kCancel: {
    const auto grace = agent::cancel_grace(message.cancel());
    FUZZ_CHECK(grace.count() >= 0 && grace <= std::chrono::seconds(job::kMaxCancelGraceSeconds), "grace in range");
    // The runner adds the grace to a steady_clock time point: that must not overflow.
    (void)(std::chrono::steady_clock::now() + grace + std::chrono::seconds(10));
    break;
  }
  default:
    break;
  }
  // Every spec in any message: the mapping itself, outside the lease checks.
  if (message.has_assignment()) {
    try {
      check_spec_round_trips(protocol::from_proto(message.assignment().spec()));
    } catch (const protocol::SpecMappingError &) {
    }
  }
  return 0;
}
