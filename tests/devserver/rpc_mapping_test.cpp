// devserver/rpc mappings: plain domain types <-> protobuf messages, and job spec JSON <-> proto JobSpec.
#include "devserver/rpc/enum_mapping.hpp"
#include "devserver/rpc/record_mapping.hpp"
#include "devserver/rpc/spec_json_mapping.hpp"
#include "devserver/rpc/stream_mapping.hpp"
#include "job/job_spec.hpp"

#include <catch2/catch.hpp>

using namespace hodei::devserver;
using namespace hodei::devserver::rpc;

TEST_CASE("every enum value maps to proto and back", "[devserver][unit][mapping]") {
  for (const LogStream stream : kAllLogStreams) CHECK(log_stream_from_proto(to_proto(stream)) == stream);
  for (const Outcome outcome :
       {Outcome::succeeded, Outcome::failed, Outcome::cancelled, Outcome::timed_out, Outcome::error, Outcome::lost}) {
    CHECK(outcome_from_proto(to_proto(outcome)) == outcome);
    CHECK(job_state_from_proto(to_proto(state_for(outcome))) == state_for(outcome));
  }
  for (const JobState state : {JobState::queued, JobState::assigned, JobState::accepted, JobState::preparing,
                               JobState::running, JobState::uploading}) {
    CHECK(job_state_from_proto(to_proto(state)) == state);
  }
  for (const StepOutcome outcome : {StepOutcome::succeeded, StepOutcome::failed, StepOutcome::skipped,
                                    StepOutcome::cancelled, StepOutcome::timed_out}) {
    CHECK(step_outcome_from_proto(to_proto(outcome)) == outcome);
  }
  CHECK_FALSE(log_stream_from_proto(v1::LOG_STREAM_UNSPECIFIED));
  CHECK_FALSE(outcome_from_proto(99)); // a newer peer's value
  CHECK_FALSE(phase_from_proto(v1::JOB_PHASE_UNSPECIFIED));
}

TEST_CASE("a job result round-trips through proto", "[devserver][unit][mapping]") {
  JobResult result;
  result.outcome = Outcome::timed_out;
  result.signal = 9;
  result.steps.push_back(StepResult{0, "a", StepOutcome::timed_out, std::nullopt, 9, 5, 6, true});
  result.artifacts.push_back(ArtifactResult{false, "in.bin", "file:///x", 3, std::string(64, 'f')});
  result.message = "ran past 10s";
  result.started_unix_ms = 1;
  result.finished_unix_ms = 2;
  result.log_lengths = {{LogStream::err, 4}};
  CHECK(result_from_proto(result_to_proto(result)) == result);

  v1::JobResult bad = result_to_proto(result);
  bad.set_outcome(v1::JOB_OUTCOME_UNSPECIFIED);
  CHECK_THROWS_AS(result_from_proto(bad), MalformedMessage);
  bad = result_to_proto(result);
  *bad.add_log_lengths() = bad.log_lengths(0);
  CHECK_THROWS_WITH(result_from_proto(bad), Catch::Contains("twice"));
}

TEST_CASE("registration and heartbeat messages map to plain types", "[devserver][unit][mapping]") {
  v1::RegisterRequest request;
  request.set_worker_name("w");
  request.add_protocol_versions(1);
  (*request.mutable_labels())["zone"] = "a";
  request.set_capacity(2);
  request.mutable_host()->set_cpus(4);
  v1::PluginDescriptor &plugin = *request.add_executors();
  plugin.set_id("dev.hodei.executor.shell");
  plugin.add_uri_schemes("x");
  request.set_previous_worker_id("w-1");
  const WorkerRegistration registration = registration_from_proto(request);
  CHECK(registration.name == "w");
  CHECK(registration.labels.at("zone") == "a");
  CHECK(registration.host.cpus == 4);
  CHECK(registration.executors.at(0).uri_schemes == std::vector<std::string>{"x"});
  CHECK(registration.previous_worker_id == "w-1");
  CHECK(plugin_to_proto(registration.executors.at(0)).id() == "dev.hodei.executor.shell");

  const v1::RegisterResponse accepted = register_response_to_proto(
      RegisterAccepted{"w-1", "s", 1, {"resume"}, std::chrono::milliseconds(10), std::chrono::milliseconds(30)}, "9");
  CHECK(accepted.accepted().lease_timeout_ms() == 30);
  CHECK(accepted.accepted().server_version() == "9");
  const v1::RegisterResponse refused =
      register_response_to_proto(RegisterRefused{RegisterRefusalCode::unsupported_protocol, "no"}, "9");
  CHECK(refused.refused().code() == v1::REGISTER_REFUSAL_CODE_UNSUPPORTED_PROTOCOL);

  HeartbeatOutcome outcome{HeartbeatStatus::drain, {{Lease{"job-1", 2}, "stale"}}};
  const v1::HeartbeatResponse heartbeat = heartbeat_response_to_proto(outcome, 5);
  CHECK(heartbeat.status() == v1::HEARTBEAT_STATUS_DRAIN);
  CHECK(heartbeat.revoked_jobs(0).lease().lease_epoch() == 2);
}

TEST_CASE("stream messages are validated when mapped", "[devserver][unit][mapping]") {
  v1::JobStatus status;
  status.mutable_lease()->set_job_id("job-1");
  status.mutable_lease()->set_lease_epoch(1);
  status.set_phase(v1::JOB_PHASE_RUNNING);
  CHECK_THROWS_WITH(status_from_proto(status), Catch::Contains("step_index"));
  status.set_step_index(3);
  CHECK(status_from_proto(status).step_index == 3u);
  status.mutable_lease()->set_lease_epoch(0);
  CHECK_THROWS_WITH(status_from_proto(status), Catch::Contains("lease_epoch"));

  v1::JobFinished finished;
  *finished.mutable_lease() = status.lease();
  finished.mutable_lease()->set_lease_epoch(4);
  CHECK_THROWS_WITH(finished_from_proto(finished), Catch::Contains("finished.result"));

  v1::LogChunk chunk;
  chunk.mutable_lease()->set_job_id("job-1");
  chunk.mutable_lease()->set_lease_epoch(1);
  chunk.set_stream(v1::LOG_STREAM_STDERR);
  chunk.set_offset(7);
  chunk.set_data(std::string("\0x", 2));
  const LogChunkIn in = log_from_proto(std::move(chunk));
  CHECK(in.stream == LogStream::err);
  CHECK(in.offset == 7);
  CHECK(in.data == std::string("\0x", 2));
}

TEST_CASE("server events map to the matching ServerMessage payload", "[devserver][unit][mapping]") {
  const Lease lease{"job-2", 3};
  hodei::job::JobSpec spec;
  spec.name = "n";
  spec.executor = "shell";
  spec.steps.push_back({"s", "true", false, {}, ""});
  CHECK(server_message_to_proto(AssignmentOut{lease, spec, 9}).assignment().spec().steps(0).run() == "true");
  CHECK(server_message_to_proto(CancelOut{lease, "r", 100}).cancel().grace_ms() == 100);
  CHECK(server_message_to_proto(LogAckOut{lease, LogStream::system, 12}).log_ack().committed_offset() == 12);
  CHECK(server_message_to_proto(ResultAckOut{lease}).result_ack().lease().job_id() == "job-2");
  CHECK(server_message_to_proto(DrainOut{"bye"}).drain().reason() == "bye");
  const v1::ServerMessage refused = server_message_to_proto(RefusedOut{lease, Refusal::log_gap, "gap", "log"});
  CHECK(refused.refused().code() == v1::REFUSAL_CODE_LOG_GAP);
  CHECK(refused.refused().event() == "log");
  ResumeAckOut ack;
  ack.jobs.push_back(ResumeDecisionOut{lease, ResumeAction::keep_running, {LogAckOut{lease, LogStream::out, 5}}, ""});
  const v1::ServerMessage resume = server_message_to_proto(ack);
  CHECK(resume.resume_ack().jobs(0).action() == v1::RESUME_ACTION_CONTINUE);
  CHECK(resume.resume_ack().jobs(0).log_acks(0).committed_offset() == 5);
}

TEST_CASE("admin views carry the job's record", "[devserver][unit][mapping]") {
  JobRecord job;
  job.id = "job-1";
  job.name = "n";
  job.state = JobState::running;
  job.lease_epoch = 2;
  job.current_step = 1;
  job.spec_json = "{}";
  job.history.push_back(Transition{JobState::running, 5, 2, 1, "step"});
  const v1::JobInfo full = job_info_to_proto(job, {{LogStream::out, 10}}, true);
  CHECK(full.state() == v1::JOB_STATE_RUNNING);
  CHECK(full.current_step() == 1);
  CHECK(full.history(0).step_index() == 1);
  CHECK(full.logs(0).committed_bytes() == 10);
  CHECK(full.spec_json() == "{}");
  const v1::JobInfo brief = job_info_to_proto(job, {}, false);
  CHECK(brief.spec_json().empty());
  CHECK(brief.history_size() == 0);

  CountersSnapshot counters;
  counters.log_gaps = 1;
  counters.stale_epochs = 2;
  counters.unauthenticated = 3;
  const v1::Stats stats = stats_to_proto(counters);
  CHECK(stats.log_gaps() == 1);
  CHECK(stats.stale_epochs() == 2);
  CHECK(stats.unauthenticated() == 3);
}

TEST_CASE("job spec JSON <-> proto JobSpec through the host's parser and writer", "[devserver][unit][mapping]") {
  const std::string json = R"({
    "name": "mapped",
    "executor": "shell",
    "env": {"A": "1"},
    "timeout_seconds": 300,
    "steps": [{"name": "one", "run": "echo 1"}, {"name": "two", "run": "echo 2", "continue_on_error": true}]
  })";
  const v1::JobSpec proto = spec_json_to_proto(json);
  CHECK(proto.name() == "mapped");
  CHECK(proto.env().at("A") == "1");
  CHECK(proto.timeout_seconds() == 300);
  REQUIRE(proto.steps_size() == 2);
  CHECK(proto.steps(1).continue_on_error());

  const std::string written = spec_proto_to_json(proto);
  const v1::JobSpec again = spec_json_to_proto(written);
  CHECK(again.SerializeAsString() == proto.SerializeAsString());

  CHECK_THROWS_AS(spec_json_to_proto(R"({"name": "x"})"), hodei::job::SpecError);
}
