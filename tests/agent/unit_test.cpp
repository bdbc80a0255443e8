// Agent pieces without processes: reconnect backoff, result mapping.
#include "channel.hpp"
#include "job/job_spec_parser.hpp"
#include "proto_mapping.hpp"
#include "server_message_checks.hpp"

#include <catch2/catch.hpp>

using namespace hodei;
using namespace std::chrono_literals;

TEST_CASE("backoff doubles from the initial delay up to the maximum, with jitter in [d/2, d]", "[agent][unit]") {
  agent::Backoff backoff(100ms, 1000ms);
  const std::vector<int64_t> nominal{100, 200, 400, 800, 1000, 1000, 1000};
  for (const int64_t d : nominal) {
    const int64_t got = backoff.next().count();
    CHECK(got >= d / 2);
    CHECK(got <= d);
  }
  backoff.reset();
  CHECK(backoff.next().count() <= 100);
}

TEST_CASE("a finished job maps to a JobResult with steps, exit status and log lengths", "[agent][unit]") {
  agent::FinishedJob finished;
  finished.report.outcome = runner::JobOutcome::cancelled;
  finished.report.exit_code = -1;
  finished.report.term_signal = 15;
  finished.report.message = "cancelled: stop";
  runner::StepReport one;
  one.name = "one";
  one.ran = true;
  one.exit_code = 0;
  one.duration = 1500ms;
  runner::StepReport two;
  two.name = "two";
  two.ran = true;
  two.term_signal = 15;
  runner::StepReport three;
  three.name = "three";
  finished.report.steps = {one, two, three};
  finished.log_lengths = {10, 0, 42};
  finished.finished_unix_ms = 2000;
  const worker::v1::JobResult r = agent::to_proto_result(finished, 1000);
  CHECK(r.outcome() == worker::v1::JOB_OUTCOME_CANCELLED);
  CHECK(r.has_signal());
  CHECK(!r.has_exit_code());
  CHECK(r.signal() == 15);
  REQUIRE(r.steps_size() == 3);
  CHECK(r.steps(0).outcome() == worker::v1::STEP_OUTCOME_SUCCEEDED);
  CHECK(r.steps(0).exit_code() == 0);
  CHECK(r.steps(0).duration_ms() == 1500);
  CHECK(r.steps(1).outcome() == worker::v1::STEP_OUTCOME_CANCELLED);
  CHECK(r.steps(2).outcome() == worker::v1::STEP_OUTCOME_SKIPPED);
  CHECK(r.started_unix_ms() == 1000);
  CHECK(r.finished_unix_ms() == 2000);
  REQUIRE(r.log_lengths_size() == 3);
  CHECK(r.log_lengths(0).stream() == worker::v1::LOG_STREAM_STDOUT);
  CHECK(r.log_lengths(0).length() == 10);
  CHECK(r.log_lengths(2).stream() == worker::v1::LOG_STREAM_SYSTEM);
  CHECK(r.log_lengths(2).length() == 42);
  CHECK(r.message() == "cancelled: stop");
}

namespace {

agent::v1::JobAssignment assignment_for(const std::string &job_id, uint64_t epoch) {
  agent::v1::JobAssignment a;
  a.mutable_lease()->set_job_id(job_id);
  a.mutable_lease()->set_lease_epoch(epoch);
  a.mutable_spec()->set_name("j");
  a.mutable_spec()->set_executor("shell");
  auto &step = *a.mutable_spec()->add_steps();
  step.set_name("s");
  step.set_run("true");
  return a;
}

} // namespace

TEST_CASE("an assignment with a usable lease and spec is accepted", "[agent][unit]") {
  const auto checked = agent::check_assignment(assignment_for("job-1.retry_2", 3));
  REQUIRE(std::holds_alternative<agent::CheckedAssignment>(checked));
  CHECK(std::get<agent::CheckedAssignment>(checked).job_id == "job-1.retry_2");
  CHECK(std::get<agent::CheckedAssignment>(checked).epoch == 3);
  CHECK(std::get<agent::CheckedAssignment>(checked).spec.steps.size() == 1);
}

TEST_CASE("an assignment whose job id is not a plain name or whose epoch is 0 is rejected", "[agent][unit]") {
  const std::vector<std::string> bad_ids{
      "", ".", "..", "../etc", "a/b", "job 1", std::string("a\0b", 3), std::string(agent::kMaxJobIdChars + 1, 'x')};
  for (const std::string &bad : bad_ids) {
    const auto checked = agent::check_assignment(assignment_for(bad, 1));
    REQUIRE(std::holds_alternative<agent::AssignmentRejection>(checked));
    CHECK(std::get<agent::AssignmentRejection>(checked).code == agent::v1::REJECT_CODE_OTHER);
    CHECK_THAT(std::get<agent::AssignmentRejection>(checked).reason, Catch::StartsWith("lease.job_id: "));
  }
  const auto zero = agent::check_assignment(assignment_for("job-1", 0));
  REQUIRE(std::holds_alternative<agent::AssignmentRejection>(zero));
  CHECK_THAT(std::get<agent::AssignmentRejection>(zero).reason, Catch::StartsWith("lease.lease_epoch: "));
}

TEST_CASE("an assignment with an invalid spec is rejected as INVALID_SPEC naming the field", "[agent][unit]") {
  auto a = assignment_for("job-1", 1);
  a.mutable_spec()->clear_steps();
  const auto checked = agent::check_assignment(a);
  REQUIRE(std::holds_alternative<agent::AssignmentRejection>(checked));
  CHECK(std::get<agent::AssignmentRejection>(checked).code == agent::v1::REJECT_CODE_INVALID_SPEC);
  CHECK_THAT(std::get<agent::AssignmentRejection>(checked).reason, Catch::StartsWith("steps"));
}

TEST_CASE("a cancel grace above an hour is capped at an hour", "[agent][unit]") {
  agent::v1::CancelJob cancel;
  cancel.set_grace_ms(2500);
  CHECK(agent::cancel_grace(cancel) == 2500ms);
  cancel.set_grace_ms(UINT64_MAX); // was cast to a negative grace; 1e16 overflowed the runner's deadline
  CHECK(agent::cancel_grace(cancel) == std::chrono::seconds(job::kMaxCancelGraceSeconds));
  cancel.set_grace_ms(10'000'000'000'000'000);
  CHECK(agent::cancel_grace(cancel) == std::chrono::seconds(job::kMaxCancelGraceSeconds));
}
