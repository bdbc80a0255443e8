// Logs: byte-exact storage with acks, idempotent resends, gaps, fencing by lease epoch, results that need every
// byte, and following a job's logs over the admin API.
#include "devserver/core/atomic_file.hpp"
#include "server_fixture.hpp"

#include <catch2/catch.hpp>
#include <thread>

using namespace hodei::devserver;
using namespace hodei::devserver::test;

namespace {

// A connected worker holding an accepted, running job (epoch 1).
struct RunningJob {
  std::unique_ptr<WorkerClient> worker;
  std::string job_id;
  v1::JobLease held;
};

RunningJob start_job(ServerFixture &fixture) {
  RunningJob out;
  out.worker = connected_worker(fixture.worker_options());
  out.job_id = fixture.submit(job_json());
  REQUIRE(out.worker->send_credits(1));
  const auto assignment = out.worker->wait_for(v1::ServerMessage::kAssignment);
  REQUIRE(assignment);
  out.held = assignment->assignment().lease();
  REQUIRE(out.worker->accept(out.held));
  REQUIRE(out.worker->status(out.held, v1::JOB_PHASE_PREPARING));
  REQUIRE(out.worker->status(out.held, v1::JOB_PHASE_RUNNING, 0));
  REQUIRE(fixture.wait_for_state(out.job_id, JobState::running));
  return out;
}

std::string stored(ServerFixture &fixture, const std::string &job_id, const char *stream) {
  const auto path = fixture.data_dir() / "jobs" / job_id / (std::string(stream) + ".log");
  return std::filesystem::exists(path) ? read_whole_file(path) : std::string();
}

} // namespace

TEST_CASE("log chunks are stored byte-exact and acknowledged with the committed offset", "[devserver][logs]") {
  ServerFixture fixture;
  RunningJob job = start_job(fixture);
  std::string binary = "line 1\n";
  binary += std::string("\0\x01\xff\xfe", 4);
  binary += "caf\xc3\xa9 \xe2\x9c\x93\r\n"; // UTF-8 and CRLF, untouched
  const std::string err = "warning: something\n";
  std::string expected_out;
  uint64_t offset = 0;
  for (int i = 0; i < 20; ++i) {
    REQUIRE(job.worker->log(job.held, v1::LOG_STREAM_STDOUT, offset, binary));
    offset += binary.size();
    expected_out += binary;
    REQUIRE(job.worker->wait_for_ack(job.job_id, v1::LOG_STREAM_STDOUT, offset));
  }
  REQUIRE(job.worker->log(job.held, v1::LOG_STREAM_STDERR, 0, err));
  REQUIRE(job.worker->wait_for_ack(job.job_id, v1::LOG_STREAM_STDERR, err.size()));
  const std::string big(size_t{1024} * 1024, 'z'); // exactly the limit
  REQUIRE(job.worker->log(job.held, v1::LOG_STREAM_SYSTEM, 0, big));
  REQUIRE(job.worker->wait_for_ack(job.job_id, v1::LOG_STREAM_SYSTEM, big.size()));

  REQUIRE(job.worker->status(job.held, v1::JOB_PHASE_UPLOADING));
  REQUIRE(job.worker->finish(
      job.held, v1::JOB_OUTCOME_SUCCEEDED,
      {{v1::LOG_STREAM_STDOUT, offset}, {v1::LOG_STREAM_STDERR, err.size()}, {v1::LOG_STREAM_SYSTEM, big.size()}}));
  const auto ack = job.worker->wait_for(v1::ServerMessage::kResultAck);
  REQUIRE(ack);
  CHECK(ack->result_ack().lease().job_id() == job.job_id);

  const JobRecord record = fixture.job(job.job_id);
  CHECK(record.state == JobState::succeeded);
  REQUIRE(record.result);
  CHECK(record.result->exit_code == 0);
  CHECK(record.result->steps.size() == 1);
  CHECK(record.result->log_lengths.at(LogStream::out) == offset);
  std::vector<JobState> states;
  for (const Transition &t : record.history) states.push_back(t.state);
  CHECK(states == std::vector<JobState>{JobState::queued, JobState::assigned, JobState::accepted, JobState::preparing,
                                        JobState::running, JobState::uploading, JobState::succeeded});
  CHECK(stored(fixture, job.job_id, "stdout") == expected_out);
  CHECK(stored(fixture, job.job_id, "stderr") == err);
  CHECK(stored(fixture, job.job_id, "system") == big);

  // The admin API returns the same bytes.
  v1::StreamLogsRequest request;
  request.set_job_id(job.job_id);
  auto context = fixture.admin_context();
  auto reader = fixture.admin()->StreamLogs(context.get(), request);
  std::map<int, std::string> streamed;
  v1::LogView view;
  while (reader->Read(&view)) {
    CHECK(view.offset() == streamed[view.stream()].size());
    streamed[view.stream()] += view.data();
  }
  REQUIRE(reader->Finish().ok());
  CHECK(streamed[v1::LOG_STREAM_STDOUT] == expected_out);
  CHECK(streamed[v1::LOG_STREAM_STDERR] == err);
  CHECK(streamed[v1::LOG_STREAM_SYSTEM] == big);
  CHECK(fixture.control_plane().stats().log_bytes_committed == expected_out.size() + err.size() + big.size());

  SECTION("a repeated JobFinished (lost ack) is acknowledged again") {
    REQUIRE(job.worker->finish(job.held, v1::JOB_OUTCOME_SUCCEEDED, {}));
    CHECK(job.worker->wait_for(v1::ServerMessage::kResultAck));
    CHECK(fixture.control_plane().stats().duplicate_results == 1);
  }
}

TEST_CASE("an overlapping resend is deduplicated, a gap is refused, both are counted", "[devserver][logs]") {
  ServerFixture fixture;
  RunningJob job = start_job(fixture);
  REQUIRE(job.worker->log(job.held, v1::LOG_STREAM_STDOUT, 0, "hello "));
  REQUIRE(job.worker->wait_for_ack(job.job_id, v1::LOG_STREAM_STDOUT, 6));

  // Overlap: bytes 3..5 again, then new ones.
  REQUIRE(job.worker->log(job.held, v1::LOG_STREAM_STDOUT, 3, "lo world"));
  REQUIRE(job.worker->wait_for_ack(job.job_id, v1::LOG_STREAM_STDOUT, 11));
  // Entirely old bytes: acknowledged, nothing stored.
  REQUIRE(job.worker->log(job.held, v1::LOG_STREAM_STDOUT, 0, "hello"));
  REQUIRE(job.worker->wait_for_ack(job.job_id, v1::LOG_STREAM_STDOUT, 11));
  CHECK(stored(fixture, job.job_id, "stdout") == "hello world");

  // Gap: offset 20 > committed 11.
  REQUIRE(job.worker->log(job.held, v1::LOG_STREAM_STDOUT, 20, "lost?"));
  const auto refused = job.worker->wait_for(v1::ServerMessage::kRefused);
  REQUIRE(refused);
  CHECK(refused->refused().code() == v1::REFUSAL_CODE_LOG_GAP);
  CHECK(job.worker->wait_for_ack(job.job_id, v1::LOG_STREAM_STDOUT, 11)); // resend from here
  CHECK(stored(fixture, job.job_id, "stdout") == "hello world");

  // An overlap that contradicts the committed bytes keeps the committed ones and is counted.
  REQUIRE(job.worker->log(job.held, v1::LOG_STREAM_STDOUT, 6, "WORLD!"));
  REQUIRE(job.worker->wait_for_ack(job.job_id, v1::LOG_STREAM_STDOUT, 12));
  CHECK(stored(fixture, job.job_id, "stdout") == "hello world!");

  const CountersSnapshot stats = fixture.control_plane().stats();
  CHECK(stats.log_duplicate_resends == 3);
  CHECK(stats.log_duplicate_bytes == 3 + 5 + 5);
  CHECK(stats.log_gaps == 1);
  CHECK(stats.log_overlap_mismatches == 1);

  SECTION("a result before every byte is committed is refused until the bytes come") {
    REQUIRE(job.worker->finish(job.held, v1::JOB_OUTCOME_SUCCEEDED, {{v1::LOG_STREAM_STDOUT, 15}}));
    const auto incomplete = job.worker->wait_for(v1::ServerMessage::kRefused);
    REQUIRE(incomplete);
    CHECK(incomplete->refused().code() == v1::REFUSAL_CODE_LOGS_INCOMPLETE);
    CHECK(job.worker->wait_for_ack(job.job_id, v1::LOG_STREAM_STDOUT, 12));
    CHECK(fixture.job(job.job_id).state == JobState::running);
    REQUIRE(job.worker->log(job.held, v1::LOG_STREAM_STDOUT, 12, "!!!"));
    REQUIRE(job.worker->finish(job.held, v1::JOB_OUTCOME_SUCCEEDED, {{v1::LOG_STREAM_STDOUT, 15}}));
    CHECK(job.worker->wait_for(v1::ServerMessage::kResultAck));
    CHECK(fixture.job(job.job_id).state == JobState::succeeded);
  }
  SECTION("a result claiming fewer bytes than committed is malformed") {
    REQUIRE(job.worker->finish(job.held, v1::JOB_OUTCOME_FAILED, {{v1::LOG_STREAM_STDOUT, 5}}, 1));
    const auto malformed = job.worker->wait_for(v1::ServerMessage::kRefused);
    REQUIRE(malformed);
    CHECK(malformed->refused().code() == v1::REFUSAL_CODE_MALFORMED);
  }
}

TEST_CASE("events with a stale lease epoch are refused and counted (fencing)", "[devserver][epoch]") {
  ServerFixture fixture;
  auto first = connected_worker(fixture.worker_options());
  const std::string job_id = fixture.submit(job_json());
  REQUIRE(first->send_credits(1));
  REQUIRE(first->wait_for(v1::ServerMessage::kAssignment));
  REQUIRE(first->reject(lease(job_id, 1), "busy"));
  REQUIRE(fixture.wait_for_state(job_id, JobState::queued));

  auto second = connected_worker(fixture.worker_options());
  REQUIRE(second->send_credits(1));
  const auto assignment = second->wait_for(v1::ServerMessage::kAssignment);
  REQUIRE(assignment);
  REQUIRE(assignment->assignment().lease().lease_epoch() == 2);
  REQUIRE(second->accept(lease(job_id, 2)));
  REQUIRE(fixture.wait_for_state(job_id, JobState::accepted));

  // The first worker still acts on epoch 1: every event is refused.
  REQUIRE(first->accept(lease(job_id, 1)));
  REQUIRE(first->log(lease(job_id, 1), v1::LOG_STREAM_STDOUT, 0, "zombie output"));
  REQUIRE(first->finish(lease(job_id, 1), v1::JOB_OUTCOME_SUCCEEDED, {}));
  for (int i = 0; i < 3; ++i) {
    const auto refused = first->wait_for(v1::ServerMessage::kRefused);
    REQUIRE(refused);
    CHECK(refused->refused().code() == v1::REFUSAL_CODE_STALE_EPOCH);
  }
  // The holder using an old epoch is refused too; someone else's current epoch is NOT_LEASED.
  REQUIRE(second->log(lease(job_id, 1), v1::LOG_STREAM_STDOUT, 0, "x"));
  auto refused = second->wait_for(v1::ServerMessage::kRefused);
  REQUIRE(refused);
  CHECK(refused->refused().code() == v1::REFUSAL_CODE_STALE_EPOCH);
  REQUIRE(first->status(lease(job_id, 2), v1::JOB_PHASE_RUNNING, 0));
  refused = first->wait_for(v1::ServerMessage::kRefused);
  REQUIRE(refused);
  CHECK(refused->refused().code() == v1::REFUSAL_CODE_NOT_LEASED);

  CHECK(fixture.control_plane().log_committed(job_id, LogStream::out) == 0);
  CHECK(fixture.job(job_id).state == JobState::accepted);
  const CountersSnapshot stats = fixture.control_plane().stats();
  CHECK(stats.stale_epochs == 4);
  CHECK(stats.not_leased == 1);
}

TEST_CASE("StreamLogs with follow delivers bytes as they are committed, then the final state", "[devserver][logs]") {
  ServerFixture fixture;
  RunningJob job = start_job(fixture);
  v1::StreamLogsRequest request;
  request.set_job_id(job.job_id);
  request.set_follow(true);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 10s);
  auto admin = fixture.admin();
  auto reader = admin->StreamLogs(&context, request);

  std::string received;
  std::optional<v1::JobState> final_state;
  std::thread follower([&] {
    v1::LogView view;
    while (reader->Read(&view)) {
      received += view.data();
      if (view.has_final_state()) final_state = view.final_state();
    }
  });
  std::string sent;
  for (int i = 0; i < 5; ++i) {
    const std::string line = "tick " + std::to_string(i) + "\n";
    REQUIRE(job.worker->log(job.held, v1::LOG_STREAM_STDOUT, sent.size(), line));
    sent += line;
    REQUIRE(job.worker->wait_for_ack(job.job_id, v1::LOG_STREAM_STDOUT, sent.size()));
    std::this_thread::sleep_for(20ms);
  }
  REQUIRE(job.worker->finish(job.held, v1::JOB_OUTCOME_FAILED, {{v1::LOG_STREAM_STDOUT, sent.size()}}, 2));
  REQUIRE(job.worker->wait_for(v1::ServerMessage::kResultAck));
  follower.join();
  CHECK(reader->Finish().ok());
  CHECK(received == sent);
  REQUIRE(final_state);
  CHECK(*final_state == v1::JOB_STATE_FAILED);
}
