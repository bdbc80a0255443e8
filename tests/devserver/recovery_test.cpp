// Surviving failures: a server restart on the same data folder (acked logs and job states kept, workers resume),
// workers that vanish (lease timeout -> lost), and a worker whose stream is replaced.
#include "devserver/core/atomic_file.hpp"
#include "server_fixture.hpp"

#include <catch2/catch.hpp>
#include <thread>

using namespace hodei::devserver;
using namespace hodei::devserver::test;

namespace {

v1::ResumedJob resumed(const std::string &job_id, uint64_t epoch, uint64_t stdout_bytes, bool finished = false) {
  v1::ResumedJob job;
  *job.mutable_lease() = lease(job_id, epoch);
  job.set_phase(finished ? v1::JOB_PHASE_FINISHED : v1::JOB_PHASE_RUNNING);
  v1::LogStreamLength &have = *job.add_have();
  have.set_stream(v1::LOG_STREAM_STDOUT);
  have.set_length(stdout_bytes);
  job.set_finished(finished);
  return job;
}

} // namespace

TEST_CASE("a restart keeps acked logs and job states, the reconnecting worker resumes", "[devserver][restart]") {
  ServerFixture fixture;
  auto worker = connected_worker(fixture.worker_options());
  const std::string worker_id = worker->worker_id();
  const std::string running = fixture.submit(job_json("long"));
  const std::string done = fixture.submit(job_json("short"));
  const std::string waiting = fixture.submit(job_json("later"));
  REQUIRE(worker->send_credits(2));
  REQUIRE(worker->wait_for(v1::ServerMessage::kAssignment));
  REQUIRE(worker->wait_for(v1::ServerMessage::kAssignment));

  REQUIRE(worker->accept(lease(running, 1)));
  REQUIRE(worker->status(lease(running, 1), v1::JOB_PHASE_RUNNING, 0));
  REQUIRE(worker->log(lease(running, 1), v1::LOG_STREAM_STDOUT, 0, "abc"));
  REQUIRE(worker->wait_for_ack(running, v1::LOG_STREAM_STDOUT, 3));

  REQUIRE(worker->accept(lease(done, 1)));
  REQUIRE(worker->log(lease(done, 1), v1::LOG_STREAM_STDOUT, 0, "ok\n"));
  REQUIRE(worker->finish(lease(done, 1), v1::JOB_OUTCOME_SUCCEEDED, {{v1::LOG_STREAM_STDOUT, 3}}));
  REQUIRE(worker->wait_for(v1::ServerMessage::kResultAck));

  fixture.restart();
  // The old stream was ended by the shutdown.
  REQUIRE(worker->wait_stream_end());

  // Everything acknowledged is still there.
  CHECK(fixture.job(running).state == JobState::running);
  CHECK(fixture.job(running).lease_epoch == 1);
  CHECK(fixture.job(running).worker_id == worker_id);
  CHECK(fixture.control_plane().log_committed(running, LogStream::out) == 3);
  CHECK(fixture.job(done).state == JobState::succeeded);
  CHECK(fixture.job(done).result->log_lengths.at(LogStream::out) == 3);
  CHECK(fixture.job(waiting).state == JobState::queued);
  CHECK(fixture.control_plane().list_workers().size() == 1);

  // The worker's session is unknown to the new process: heartbeat says so, it registers again with its id.
  CHECK(worker->heartbeat() == v1::HEARTBEAT_STATUS_UNKNOWN_SESSION);
  v1::RegisterResponse registered;
  REQUIRE(worker->register_worker(&registered).ok());
  REQUIRE(registered.accepted().worker_id() == worker_id);

  // Resume: it holds `running` (5 bytes of stdout locally) and still has the result of `done` (ack lost).
  REQUIRE(worker->connect({resumed(running, 1, 5), resumed(done, 1, 3, true)}));
  const auto ack = worker->wait_for(v1::ServerMessage::kResumeAck);
  REQUIRE(ack);
  REQUIRE(ack->resume_ack().jobs_size() == 2);
  const v1::ResumeDecision &keep = ack->resume_ack().jobs(0);
  CHECK(keep.action() == v1::RESUME_ACTION_CONTINUE);
  bool saw_stdout = false;
  for (const v1::LogAck &log_ack : keep.log_acks()) {
    if (log_ack.stream() == v1::LOG_STREAM_STDOUT) {
      saw_stdout = true;
      CHECK(log_ack.committed_offset() == 3);
    }
  }
  CHECK(saw_stdout);
  CHECK(ack->resume_ack().jobs(1).action() == v1::RESUME_ACTION_FORGET);

  // Resend from the committed offset (here: overlapping by one byte, which is fine), then finish.
  REQUIRE(worker->log(lease(running, 1), v1::LOG_STREAM_STDOUT, 2, "cde"));
  REQUIRE(worker->wait_for_ack(running, v1::LOG_STREAM_STDOUT, 5));
  REQUIRE(worker->finish(lease(running, 1), v1::JOB_OUTCOME_SUCCEEDED, {{v1::LOG_STREAM_STDOUT, 5}}));
  REQUIRE(worker->wait_for(v1::ServerMessage::kResultAck));
  CHECK(fixture.job(running).state == JobState::succeeded);
  CHECK(read_whole_file(fixture.data_dir() / "jobs" / running / "stdout.log") == "abcde");

  // And the queue goes on where it was.
  REQUIRE(worker->send_credits(1));
  const auto next = worker->wait_for(v1::ServerMessage::kAssignment);
  REQUIRE(next);
  CHECK(next->assignment().lease().job_id() == waiting);
}

TEST_CASE("a worker that resumes without a job it held loses it, an unreceived assignment is queued again",
          "[devserver][restart]") {
  ServerFixture fixture;
  auto worker = connected_worker(fixture.worker_options());
  const std::string accepted = fixture.submit(job_json("accepted"));
  const std::string unseen = fixture.submit(job_json("unseen"));
  REQUIRE(worker->send_credits(2));
  REQUIRE(worker->wait_for(v1::ServerMessage::kAssignment));
  REQUIRE(worker->wait_for(v1::ServerMessage::kAssignment));
  REQUIRE(worker->accept(lease(accepted, 1)));
  REQUIRE(fixture.wait_for_state(accepted, JobState::accepted));

  // The worker restarted and lost its state: it reconnects holding nothing.
  REQUIRE(worker->connect());
  REQUIRE(worker->wait_for(v1::ServerMessage::kResumeAck));
  CHECK(fixture.wait_for_state(accepted, JobState::lost));
  CHECK(fixture.job(unseen).state == JobState::queued);
  CHECK(fixture.control_plane().stats().jobs_lost == 1);

  // A resume naming a stale epoch is told to abandon it.
  REQUIRE(worker->send_credits(1));
  const auto again = worker->wait_for(v1::ServerMessage::kAssignment);
  REQUIRE(again);
  CHECK(again->assignment().lease().lease_epoch() == 2);
  REQUIRE(worker->connect({resumed(unseen, 1, 0)}));
  const auto ack = worker->wait_for(v1::ServerMessage::kResumeAck);
  REQUIRE(ack);
  CHECK(ack->resume_ack().jobs(0).action() == v1::RESUME_ACTION_ABANDON);
  CHECK_THAT(ack->resume_ack().jobs(0).reason(), Catch::Contains("stale"));
  // It does not hold epoch 2 either (never received on this stream): queued again, not lost.
  CHECK(fixture.wait_for_state(unseen, JobState::queued));
  CHECK(fixture.control_plane().stats().jobs_lost == 1);
}

TEST_CASE("a worker resuming a job the server still has as assigned counts as its acceptance", "[devserver][restart]") {
  // The AcceptJob was in flight when the stream broke (or its transition was not yet on disk): the worker holds the
  // job and goes on reporting it; the server must not refuse its statuses as "before AcceptJob".
  ServerFixture fixture;
  auto worker = connected_worker(fixture.worker_options());
  const std::string job = fixture.submit(job_json("in-flight"));
  REQUIRE(worker->send_credits(1));
  REQUIRE(worker->wait_for(v1::ServerMessage::kAssignment));
  REQUIRE(fixture.job(job).state == JobState::assigned);

  REQUIRE(worker->connect({resumed(job, 1, 0)}));
  const auto ack = worker->wait_for(v1::ServerMessage::kResumeAck);
  REQUIRE(ack);
  CHECK(ack->resume_ack().jobs(0).action() == v1::RESUME_ACTION_CONTINUE);
  CHECK(fixture.job(job).state == JobState::accepted);

  REQUIRE(worker->status(lease(job, 1), v1::JOB_PHASE_RUNNING, 0));
  CHECK(fixture.wait_for_state(job, JobState::running));
  CHECK(fixture.control_plane().stats().invalid_transitions == 0);
}

TEST_CASE("a worker silent past the lease timeout has its jobs marked lost", "[devserver][lease]") {
  ServerFixture fixture(FixtureOptions{std::nullopt, std::chrono::milliseconds(1500)});
  auto worker = connected_worker(fixture.worker_options());
  const std::string running = fixture.submit(job_json("running"));
  const std::string assigned = fixture.submit(job_json("assigned"));
  REQUIRE(worker->send_credits(2));
  REQUIRE(worker->wait_for(v1::ServerMessage::kAssignment));
  REQUIRE(worker->wait_for(v1::ServerMessage::kAssignment));
  REQUIRE(worker->accept(lease(running, 1)));
  REQUIRE(worker->log(lease(running, 1), v1::LOG_STREAM_STDOUT, 0, "partial"));
  REQUIRE(worker->wait_for_ack(running, v1::LOG_STREAM_STDOUT, 7));

  // Heartbeats keep it alive past one lease timeout...
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(300ms);
    REQUIRE(worker->heartbeat() == v1::HEARTBEAT_STATUS_OK);
  }
  CHECK(fixture.job(running).state == JobState::accepted);

  // ...silence does not.
  REQUIRE(fixture.wait_for_state(running, JobState::lost, 5s));
  const JobRecord lost = fixture.job(running);
  REQUIRE(lost.result);
  CHECK(lost.result->outcome == Outcome::lost);
  CHECK_THAT(lost.result->message, Catch::Contains("lease timeout"));
  CHECK(lost.result->log_lengths.at(LogStream::out) == 7);
  CHECK(fixture.job(assigned).state == JobState::queued); // never accepted: safe to run elsewhere
  CHECK(fixture.control_plane().stats().jobs_lost == 1);
  CHECK(worker->wait_stream_end()); // its stream was cancelled
  CHECK(worker->heartbeat() == v1::HEARTBEAT_STATUS_UNKNOWN_SESSION);

  // Coming back, it is told to abandon the lost job.
  REQUIRE(worker->register_worker().ok());
  REQUIRE(worker->connect({resumed(running, 1, 7)}));
  const auto ack = worker->wait_for(v1::ServerMessage::kResumeAck);
  REQUIRE(ack);
  CHECK(ack->resume_ack().jobs(0).action() == v1::RESUME_ACTION_ABANDON);
  REQUIRE(worker->log(lease(running, 1), v1::LOG_STREAM_STDOUT, 7, "late"));
  const auto refused = worker->wait_for(v1::ServerMessage::kRefused);
  REQUIRE(refused);
  CHECK(refused->refused().code() == v1::REFUSAL_CODE_NOT_LEASED);
}

TEST_CASE("a second Connect of the same session replaces the first stream", "[devserver][stream]") {
  ServerFixture fixture;
  auto worker = connected_worker(fixture.worker_options());
  WorkerClientOptions same = fixture.worker_options();
  same.previous_worker_id = worker->worker_id();
  WorkerClient twin(same);
  // Borrow the session: the twin registers nothing, it reuses the ids through a fresh Hello.
  v1::WorkerMessage hello;
  hello.mutable_hello()->set_worker_id(worker->worker_id());
  hello.mutable_hello()->set_session_id(worker->session_id());
  REQUIRE(twin.connect_raw(hello));
  v1::WorkerMessage resume;
  resume.mutable_resume();
  REQUIRE(twin.send(resume));
  REQUIRE(twin.wait_for(v1::ServerMessage::kResumeAck));
  const auto ended = worker->wait_stream_end();
  REQUIRE(ended);
  CHECK(ended->error_code() == grpc::StatusCode::CANCELLED);
  CHECK(fixture.control_plane().stats().streams_failed == 0); // a replacement is not a failure

  fixture.submit(job_json());
  REQUIRE(twin.send_credits(1));
  CHECK(twin.wait_for(v1::ServerMessage::kAssignment));
}
