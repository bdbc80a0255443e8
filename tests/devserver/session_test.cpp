// Registration, heartbeats, auth, and refusal of malformed or oversized messages, over real gRPC on loopback.
#include "server_fixture.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>

using namespace hodei::devserver;
using namespace hodei::devserver::test;

TEST_CASE("register negotiates the protocol and heartbeats keep the session", "[devserver][session]") {
  ServerFixture fixture;
  WorkerClient worker(fixture.worker_options());
  v1::RegisterResponse response;
  REQUIRE(worker.register_worker(&response).ok());
  REQUIRE(response.has_accepted());
  const v1::RegisterAccepted &accepted = response.accepted();
  CHECK(accepted.worker_id().rfind("w-", 0) == 0);
  CHECK_FALSE(accepted.session_id().empty());
  CHECK(accepted.protocol_version() == 1);
  CHECK(accepted.lease_timeout_ms() == 30000);
  CHECK(accepted.heartbeat_interval_ms() == 10000);
  CHECK(accepted.max_message_bytes() == uint64_t{4} * 1024 * 1024);
  CHECK(accepted.max_log_chunk_bytes() == uint64_t{1024} * 1024);
  CHECK(accepted.features_size() == 2);

  CHECK(worker.heartbeat() == v1::HEARTBEAT_STATUS_OK);

  // The worker shows up in the admin view with what it registered.
  const auto workers = fixture.control_plane().list_workers();
  REQUIRE(workers.size() == 1);
  CHECK(workers[0].record.registration.name == "test-worker");
  CHECK(workers[0].session_alive);
  CHECK(workers[0].record.registration.executors.at(0).id == "dev.hodei.executor.shell");

  SECTION("a heartbeat with another session id is told to re-register") {
    WorkerClientOptions other = fixture.worker_options();
    other.previous_worker_id = accepted.worker_id();
    WorkerClient stranger(other); // same worker id, no session
    CHECK(stranger.heartbeat() == v1::HEARTBEAT_STATUS_UNKNOWN_SESSION);
  }
  SECTION("heartbeats revoke leases the worker does not hold") {
    v1::HeartbeatResponse reply;
    REQUIRE(worker.heartbeat({lease("job-404", 1)}, &reply).ok());
    REQUIRE(reply.revoked_jobs_size() == 1);
    CHECK(reply.revoked_jobs(0).lease().job_id() == "job-404");
  }
  SECTION("re-registering with previous_worker_id keeps the identity, with a new session") {
    WorkerClientOptions again = fixture.worker_options();
    again.previous_worker_id = accepted.worker_id();
    WorkerClient second(again);
    v1::RegisterResponse second_response;
    REQUIRE(second.register_worker(&second_response).ok());
    CHECK(second_response.accepted().worker_id() == accepted.worker_id());
    CHECK(second_response.accepted().session_id() != accepted.session_id());
    CHECK(worker.heartbeat() == v1::HEARTBEAT_STATUS_UNKNOWN_SESSION); // the old session is gone
  }
  SECTION("deregister ends the session") {
    REQUIRE(worker.deregister().ok());
    CHECK(worker.heartbeat() == v1::HEARTBEAT_STATUS_UNKNOWN_SESSION);
    CHECK(worker.deregister().error_code() == grpc::StatusCode::NOT_FOUND);
  }
}

TEST_CASE("registration is refused with a reason", "[devserver][session]") {
  ServerFixture fixture;
  SECTION("no common protocol version") {
    WorkerClientOptions options = fixture.worker_options();
    options.protocol_versions = {7, 9};
    WorkerClient worker(options);
    v1::RegisterResponse response;
    REQUIRE(worker.register_worker(&response).ok());
    REQUIRE(response.has_refused());
    CHECK(response.refused().code() == v1::REGISTER_REFUSAL_CODE_UNSUPPORTED_PROTOCOL);
    CHECK(response.refused().server_protocol_versions_size() == 1);
    CHECK_THAT(response.refused().reason(), Catch::Contains("[7, 9]"));
  }
  SECTION("capacity 0") {
    WorkerClientOptions options = fixture.worker_options();
    options.capacity = 0;
    WorkerClient worker(options);
    v1::RegisterResponse response;
    REQUIRE(worker.register_worker(&response).ok());
    CHECK(response.refused().code() == v1::REGISTER_REFUSAL_CODE_INVALID_REQUEST);
  }
  SECTION("no executor") {
    WorkerClientOptions options = fixture.worker_options();
    options.executors.clear();
    WorkerClient worker(options);
    v1::RegisterResponse response;
    REQUIRE(worker.register_worker(&response).ok());
    CHECK(response.refused().code() == v1::REGISTER_REFUSAL_CODE_INVALID_REQUEST);
  }
}

TEST_CASE("a missing or wrong token is refused with UNAUTHENTICATED and counted", "[devserver][auth]") {
  ServerFixture fixture(FixtureOptions{"s3cret"});
  WorkerClientOptions wrong = fixture.worker_options();
  wrong.token = "wrong";
  WorkerClient intruder(wrong);
  CHECK(intruder.register_worker().error_code() == grpc::StatusCode::UNAUTHENTICATED);

  WorkerClientOptions none = fixture.worker_options();
  none.token.reset();
  WorkerClient anonymous(none);
  CHECK(anonymous.register_worker().error_code() == grpc::StatusCode::UNAUTHENTICATED);

  // The stream and the admin API check the token too.
  intruder.connect(); // the writes may already fail: the server ends the call at once
  const auto ended = intruder.wait_stream_end();
  REQUIRE(ended);
  CHECK(ended->error_code() == grpc::StatusCode::UNAUTHENTICATED);
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer nope");
    v1::Stats stats;
    CHECK(fixture.admin()->GetStats(&context, {}, &stats).error_code() == grpc::StatusCode::UNAUTHENTICATED);
  }

  // The right token works, and the refusals were counted.
  WorkerClient worker(fixture.worker_options());
  CHECK(worker.register_worker().ok());
  v1::Stats stats;
  REQUIRE(fixture.admin()->GetStats(fixture.admin_context().get(), {}, &stats).ok());
  CHECK(stats.unauthenticated() == 4);
}

TEST_CASE("malformed messages are refused and counted, the stream and the server go on", "[devserver][malformed]") {
  ServerFixture fixture;

  SECTION("a stream that does not start with Hello is ended") {
    WorkerClient worker(fixture.worker_options());
    REQUIRE(worker.register_worker().ok());
    v1::WorkerMessage credits;
    credits.mutable_credits()->set_free_slots(1);
    REQUIRE(worker.connect_raw(credits));
    const auto ended = worker.wait_stream_end();
    REQUIRE(ended);
    CHECK(ended->error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(fixture.control_plane().stats().malformed_messages == 1);
  }
  SECTION("a stream for an unknown session is told NOT_FOUND") {
    WorkerClient worker(fixture.worker_options()); // never registered
    worker.connect();                              // Resume may already fail: the server ends the call after Hello
    const auto ended = worker.wait_stream_end();
    REQUIRE(ended);
    CHECK(ended->error_code() == grpc::StatusCode::NOT_FOUND);
  }
  SECTION("bad messages inside a stream are refused one by one") {
    auto worker = connected_worker(fixture.worker_options());
    REQUIRE(worker->send(v1::WorkerMessage{})); // no payload
    auto refused = worker->wait_for(v1::ServerMessage::kRefused);
    REQUIRE(refused);
    CHECK(refused->refused().code() == v1::REFUSAL_CODE_MALFORMED);
    CHECK(refused->refused().event() == "none");

    REQUIRE(worker->log(lease("job-1", 1), v1::LOG_STREAM_UNSPECIFIED, 0, "x"));
    refused = worker->wait_for(v1::ServerMessage::kRefused);
    REQUIRE(refused);
    CHECK(refused->refused().code() == v1::REFUSAL_CODE_MALFORMED);
    CHECK_THAT(refused->refused().reason(), Catch::Contains("log.stream"));

    REQUIRE(worker->log(lease("", 0), v1::LOG_STREAM_STDOUT, 0, "x"));
    refused = worker->wait_for(v1::ServerMessage::kRefused);
    REQUIRE(refused);
    CHECK_THAT(refused->refused().reason(), Catch::Contains("job_id"));

    v1::WorkerMessage hello;
    hello.mutable_hello()->set_worker_id(worker->worker_id());
    REQUIRE(worker->send(hello)); // a second Hello
    refused = worker->wait_for(v1::ServerMessage::kRefused);
    REQUIRE(refused);
    CHECK(refused->refused().event() == "hello");
    CHECK(fixture.control_plane().stats().malformed_messages == 4);

    // The stream still works.
    fixture.submit(job_json());
    REQUIRE(worker->send_credits(1));
    CHECK(worker->wait_for(v1::ServerMessage::kAssignment));
  }
  SECTION("a log chunk over 1 MiB is refused with the committed offset") {
    auto worker = connected_worker(fixture.worker_options());
    const std::string job_id = fixture.submit(job_json());
    REQUIRE(worker->send_credits(1));
    REQUIRE(worker->wait_for(v1::ServerMessage::kAssignment));
    REQUIRE(worker->accept(lease(job_id, 1)));
    REQUIRE(worker->log(lease(job_id, 1), v1::LOG_STREAM_STDOUT, 0, std::string(1024 * 1024 + 1, 'a')));
    const auto refused = worker->wait_for(v1::ServerMessage::kRefused);
    REQUIRE(refused);
    CHECK(refused->refused().code() == v1::REFUSAL_CODE_LOG_CHUNK_TOO_LARGE);
    CHECK(worker->wait_for_ack(job_id, v1::LOG_STREAM_STDOUT, 0));
    CHECK(fixture.control_plane().log_committed(job_id, LogStream::out) == 0);
  }
  SECTION("a message over 4 MiB ends the stream with RESOURCE_EXHAUSTED; the server keeps serving") {
    WorkerClientOptions options = fixture.worker_options();
    options.max_send_bytes = 16 * 1024 * 1024;
    auto worker = connected_worker(options);
    REQUIRE(worker->log(lease("job-1", 1), v1::LOG_STREAM_STDOUT, 0, std::string(size_t{5} * 1024 * 1024, 'b')));
    const auto ended = worker->wait_stream_end();
    REQUIRE(ended);
    CHECK(ended->error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
    CHECK(ServerFixture::wait_until([&] { return fixture.control_plane().stats().streams_failed == 1; }));

    // The same worker reconnects; others register.
    REQUIRE(worker->connect());
    CHECK(worker->wait_for(v1::ServerMessage::kResumeAck));
    WorkerClient other(fixture.worker_options());
    CHECK(other.register_worker().ok());
  }
  SECTION("undecodable bytes are refused; the server keeps serving") {
    auto channel = grpc::CreateChannel(fixture.address(), grpc::InsecureChannelCredentials());
    grpc::GenericStub generic(channel);
    const std::string garbage = "\xff\xff\xff\xff\x0f not a protobuf";
    grpc::Slice slice(garbage);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer reply;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kWait);
    std::mutex mutex;
    std::condition_variable done_cv;
    bool done = false;
    grpc::Status status;
    generic.UnaryCall(&context, "/hodei.worker.v1.WorkerManagementService/Register", grpc::StubOptions(), &request,
                      &reply, [&](grpc::Status s) {
                        const std::lock_guard lock(mutex);
                        status = std::move(s);
                        done = true;
                        done_cv.notify_all();
                      });
    {
      std::unique_lock lock(mutex);
      REQUIRE(done_cv.wait_for(lock, kWait, [&] { return done; }));
    }
    CHECK_FALSE(status.ok());
    CHECK(status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED);
    WorkerClient worker(fixture.worker_options());
    CHECK(worker.register_worker().ok());
  }
}

namespace {

v1::WorkerMessage batch_of(std::vector<v1::WorkerMessage> messages) {
  v1::WorkerMessage out;
  out.mutable_batch(); // set even when empty
  for (v1::WorkerMessage &m : messages) *out.mutable_batch()->add_messages() = std::move(m);
  return out;
}

} // namespace

TEST_CASE("a WorkerBatch is applied in order as if each message came alone", "[devserver][batch]") {
  ServerFixture fixture;
  WorkerClientOptions options = fixture.worker_options();
  options.extra_features = {"batch"};
  WorkerClient worker(options);
  v1::RegisterResponse response;
  REQUIRE(worker.register_worker(&response).ok());
  const auto &granted = response.accepted().features();
  CHECK(std::find(granted.begin(), granted.end(), "batch") != granted.end());
  REQUIRE(worker.connect());
  const std::string job_id = fixture.submit(job_json());

  v1::WorkerMessage credits;
  credits.mutable_credits()->set_free_slots(1);
  REQUIRE(worker.send(batch_of({credits})));
  REQUIRE(worker.wait_for(v1::ServerMessage::kAssignment));

  // Everything a short job says, in one write: the order matters (accept before status, log before result).
  const v1::JobLease held = lease(job_id, 1);
  v1::WorkerMessage accept;
  *accept.mutable_accept()->mutable_lease() = held;
  v1::WorkerMessage running;
  *running.mutable_status()->mutable_lease() = held;
  running.mutable_status()->set_phase(v1::JOB_PHASE_RUNNING);
  running.mutable_status()->set_step_index(0);
  v1::WorkerMessage log;
  *log.mutable_log()->mutable_lease() = held;
  log.mutable_log()->set_stream(v1::LOG_STREAM_STDOUT);
  log.mutable_log()->set_data("hello\n");
  v1::WorkerMessage finished;
  *finished.mutable_finished()->mutable_lease() = held;
  v1::JobResult &result = *finished.mutable_finished()->mutable_result();
  result.set_outcome(v1::JOB_OUTCOME_SUCCEEDED);
  result.set_exit_code(0);
  v1::LogStreamLength &length = *result.add_log_lengths();
  length.set_stream(v1::LOG_STREAM_STDOUT);
  length.set_length(6);
  REQUIRE(worker.send(batch_of({accept, running, log, finished})));

  CHECK(worker.wait_for_ack(job_id, v1::LOG_STREAM_STDOUT, 6));
  CHECK(worker.wait_for(v1::ServerMessage::kResultAck));
  const auto record = fixture.control_plane().get_job(job_id);
  REQUIRE(record);
  CHECK(record->state == JobState::succeeded);
  CHECK(fixture.control_plane().read_log(job_id, LogStream::out, 0, 100) == "hello\n");
  CHECK(fixture.control_plane().stats().malformed_messages == 0);

  SECTION("Hello, Resume, a nested batch and an empty batch are refused one by one, the rest applies") {
    v1::WorkerMessage hello;
    hello.mutable_hello()->set_worker_id(worker.worker_id());
    v1::WorkerMessage resume;
    resume.mutable_resume();
    const v1::WorkerMessage nested = batch_of({credits});
    credits.mutable_credits()->set_free_slots(1);
    credits.mutable_credits()->set_assignments_received(1);
    REQUIRE(worker.send(batch_of({hello, resume, nested, credits})));
    std::vector<std::string> refused_events;
    for (int i = 0; i < 3; ++i) {
      const auto refused = worker.wait_for(v1::ServerMessage::kRefused);
      REQUIRE(refused);
      CHECK(refused->refused().code() == v1::REFUSAL_CODE_MALFORMED);
      CHECK_THAT(refused->refused().reason(), Catch::Contains("inside a WorkerBatch"));
      refused_events.push_back(refused->refused().event());
    }
    CHECK(refused_events == std::vector<std::string>{"hello", "resume", "batch"});
    REQUIRE(worker.send(batch_of({})));
    const auto refused = worker.wait_for(v1::ServerMessage::kRefused);
    REQUIRE(refused);
    CHECK(refused->refused().event() == "batch");
    CHECK_THAT(refused->refused().reason(), Catch::Contains("no message"));
    CHECK(fixture.control_plane().stats().malformed_messages == 4);

    // The credits of the first batch applied: a new job is assigned on the same stream.
    fixture.submit(job_json("second"));
    CHECK(worker.wait_for(v1::ServerMessage::kAssignment));
  }
  SECTION("assignments made at once reach the worker in order (as a ServerBatch when they were ready together)") {
    std::vector<std::string> ids;
    ids.reserve(3);
    for (int i = 0; i < 3; ++i) ids.push_back(fixture.submit(job_json("queued-" + std::to_string(i))));
    credits.mutable_credits()->set_free_slots(3);
    credits.mutable_credits()->set_assignments_received(1);
    REQUIRE(worker.send(batch_of({credits})));
    for (const std::string &id : ids) {
      const auto assignment = worker.wait_for(v1::ServerMessage::kAssignment);
      REQUIRE(assignment);
      CHECK(assignment->assignment().lease().job_id() == id);
    }
    CHECK(worker.assignments_received() == 4);
  }
}
