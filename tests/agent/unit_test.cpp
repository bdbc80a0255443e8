// Agent pieces without processes: reconnect backoff, result mapping.
#include "channel.hpp"
#include "proto_mapping.hpp"

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
