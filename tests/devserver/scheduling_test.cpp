// Assignment rules: credits, executors, labels, rejection, cancel, drain.
#include "server_fixture.hpp"

#include <catch2/catch.hpp>

using namespace hodei::devserver;
using namespace hodei::devserver::test;

namespace {

std::vector<v1::ServerMessage> assignments_in(const std::vector<v1::ServerMessage> &messages) {
  std::vector<v1::ServerMessage> out;
  for (const v1::ServerMessage &message : messages) {
    if (message.has_assignment()) out.push_back(message);
  }
  return out;
}

// Waits (up to kWait) for `expected` assignments, then 300 ms more to catch any extra one.
std::vector<v1::ServerMessage> collect_assignments(WorkerClient &worker, std::size_t expected) {
  std::vector<v1::ServerMessage> out;
  while (out.size() < expected) {
    auto message = worker.wait_for(v1::ServerMessage::kAssignment);
    if (!message) return out;
    out.push_back(std::move(*message));
  }
  for (v1::ServerMessage &extra : assignments_in(worker.drain_for(300ms))) out.push_back(std::move(extra));
  return out;
}

} // namespace

TEST_CASE("the server never assigns more jobs than the worker granted credits", "[devserver][credits]") {
  ServerFixture fixture;
  auto worker = connected_worker(fixture.worker_options());
  for (int i = 0; i < 4; ++i) fixture.submit(job_json("job" + std::to_string(i)));

  // No credits yet: nothing is assigned.
  CHECK(assignments_in(worker->drain_for(300ms)).empty());

  REQUIRE(worker->send_credits(1));
  auto first = collect_assignments(*worker, 1);
  REQUIRE(first.size() == 1);
  CHECK(first[0].assignment().lease().job_id() == "job-1"); // submission order
  CHECK(first[0].assignment().lease().lease_epoch() == 1);
  CHECK(first[0].assignment().spec().name() == "job0");
  CHECK(first[0].assignment().spec().steps(0).run() == "echo hello");

  // Credits sent before the worker saw that assignment do not count it twice: still one in flight.
  REQUIRE(worker->send_credits(1, 0));
  CHECK(assignments_in(worker->drain_for(300ms)).empty());

  // Two free slots after having received one assignment: two more.
  REQUIRE(worker->send_credits(2));
  const auto more = collect_assignments(*worker, 2);
  REQUIRE(more.size() == 2);
  CHECK(more[0].assignment().lease().job_id() == "job-2");
  CHECK(more[1].assignment().lease().job_id() == "job-3");
  CHECK(fixture.job("job-4").state == JobState::queued);
  CHECK(fixture.control_plane().stats().assignments == 3);

  SECTION("credits claiming more assignments than were sent are refused") {
    REQUIRE(worker->send_credits(1, 99));
    const auto refused = worker->wait_for(v1::ServerMessage::kRefused);
    REQUIRE(refused);
    CHECK(refused->refused().event() == "credits");
  }
}

TEST_CASE("a job goes only to a worker with its executor and labels", "[devserver][matching]") {
  ServerFixture fixture;
  WorkerClientOptions shell_only = fixture.worker_options();
  shell_only.executors = {"shell"};
  auto worker = connected_worker(shell_only);
  REQUIRE(worker->send_credits(4));

  const std::string docker_job = fixture.submit(job_json("needs-docker", "docker"));
  const std::string gpu_job = fixture.submit(job_json("needs-gpu"), {{"gpu", "true"}});
  const std::string by_id = fixture.submit(job_json("by-id", "dev.hodei.executor.shell"));
  const auto assigned = collect_assignments(*worker, 1);
  REQUIRE(assigned.size() == 1);
  CHECK(assigned[0].assignment().lease().job_id() == by_id);
  CHECK(fixture.job(docker_job).state == JobState::queued);
  CHECK(fixture.job(gpu_job).state == JobState::queued);

  // A worker that has both gets them.
  WorkerClientOptions capable = fixture.worker_options();
  capable.name = "gpu-box";
  capable.executors = {"shell", "docker"};
  capable.labels = {{"gpu", "true"}};
  auto second = connected_worker(capable);
  REQUIRE(second->send_credits(4));
  const auto taken = collect_assignments(*second, 2);
  REQUIRE(taken.size() == 2);
  CHECK(fixture.job(docker_job).worker_id == second->worker_id());
  CHECK(fixture.job(gpu_job).worker_id == second->worker_id());
}

TEST_CASE("a worker update replaces executors and labels and queued jobs that now fit are assigned",
          "[devserver][matching][update]") {
  ServerFixture fixture;
  WorkerClientOptions options = fixture.worker_options();
  options.executors = {"shell"};
  auto worker = connected_worker(options);
  REQUIRE(worker->send_credits(4));
  const std::string docker_job = fixture.submit(job_json("needs-docker", "docker"));
  const std::string gpu_job = fixture.submit(job_json("needs-gpu"), {{"gpu", "true"}});
  CHECK(assignments_in(worker->drain_for(300ms)).empty());

  v1::WorkerMessage update;
  v1::WorkerUpdate &u = *update.mutable_update();
  (*u.mutable_labels())["gpu"] = "true";
  u.set_capacity(4);
  for (const std::string name : {"shell", "docker"}) {
    v1::PluginDescriptor &d = *u.add_executors();
    d.set_id("dev.hodei.executor." + name);
    d.set_short_name(name);
  }
  REQUIRE(worker->send(update));
  REQUIRE(collect_assignments(*worker, 2).size() == 2);
  CHECK(fixture.job(docker_job).worker_id == worker->worker_id());
  CHECK(fixture.job(gpu_job).worker_id == worker->worker_id());
  const auto workers = fixture.control_plane().list_workers();
  REQUIRE(workers.size() == 1);
  CHECK(workers[0].record.registration.executors.size() == 2);
  CHECK(workers[0].record.registration.labels.at("gpu") == "true");

  // An update without executors is refused and changes nothing.
  v1::WorkerMessage empty;
  empty.mutable_update()->set_capacity(4);
  REQUIRE(worker->send(empty));
  const auto refused = worker->wait_for(v1::ServerMessage::kRefused);
  REQUIRE(refused.has_value());
  CHECK(refused->refused().event() == "update");
  CHECK(refused->refused().code() == v1::REFUSAL_CODE_MALFORMED);
  CHECK(fixture.control_plane().list_workers()[0].record.registration.executors.size() == 2);
}

TEST_CASE("a rejected job is queued again and offered to another worker", "[devserver][reject]") {
  ServerFixture fixture;
  auto first = connected_worker(fixture.worker_options());
  const std::string job_id = fixture.submit(job_json());
  REQUIRE(first->send_credits(1));
  REQUIRE(first->wait_for(v1::ServerMessage::kAssignment));
  REQUIRE(first->reject(lease(job_id, 1), "docker daemon down"));
  REQUIRE(fixture.wait_for_state(job_id, JobState::queued));
  CHECK(fixture.job(job_id).rejected_by == std::vector<std::string>{first->worker_id()});
  // Not offered to the same worker again, even with credits.
  REQUIRE(first->send_credits(1));
  CHECK(assignments_in(first->drain_for(300ms)).empty());

  auto second = connected_worker(fixture.worker_options());
  REQUIRE(second->send_credits(1));
  const auto assignment = second->wait_for(v1::ServerMessage::kAssignment);
  REQUIRE(assignment);
  CHECK(assignment->assignment().lease().lease_epoch() == 2);

  SECTION("rejecting after accepting is an invalid transition") {
    REQUIRE(second->accept(lease(job_id, 2)));
    REQUIRE(second->reject(lease(job_id, 2), "changed my mind"));
    const auto refused = second->wait_for(v1::ServerMessage::kRefused);
    REQUIRE(refused);
    CHECK(refused->refused().code() == v1::REFUSAL_CODE_INVALID_TRANSITION);
    CHECK(fixture.job(job_id).state == JobState::accepted);
  }
}

TEST_CASE("a job rejected for capacity is offered to the same worker again once it grants a credit",
          "[devserver][reject]") {
  // A worker that is full or draining for a moment must not be excluded for good: with one worker the job would
  // stay queued forever.
  ServerFixture fixture;
  auto worker = connected_worker(fixture.worker_options());
  const std::string job_id = fixture.submit(job_json());
  REQUIRE(worker->send_credits(1));
  REQUIRE(worker->wait_for(v1::ServerMessage::kAssignment));
  REQUIRE(worker->reject(lease(job_id, 1), "all 1 slots are taken", v1::REJECT_CODE_NO_CAPACITY));
  REQUIRE(fixture.wait_for_state(job_id, JobState::queued));
  CHECK(fixture.job(job_id).rejected_by.empty());

  REQUIRE(worker->send_credits(1));
  const auto again = worker->wait_for(v1::ServerMessage::kAssignment);
  REQUIRE(again);
  CHECK(again->assignment().lease().lease_epoch() == 2);
}

TEST_CASE("cancel: a queued job at once, a running job through its worker", "[devserver][cancel]") {
  ServerFixture fixture;
  const std::string queued = fixture.submit(job_json("queued"));
  const CancelResult now = fixture.control_plane().cancel(queued, "not needed", std::nullopt);
  CHECK(now.outcome == CancelOutcome::cancelled);
  CHECK(fixture.job(queued).state == JobState::cancelled);
  CHECK(fixture.job(queued).result->outcome == Outcome::cancelled);
  CHECK(fixture.control_plane().cancel(queued, "", std::nullopt).outcome == CancelOutcome::already_over);

  auto worker = connected_worker(fixture.worker_options());
  const std::string running = fixture.submit(job_json("running"));
  REQUIRE(worker->send_credits(1));
  REQUIRE(worker->wait_for(v1::ServerMessage::kAssignment));
  REQUIRE(worker->accept(lease(running, 1)));
  REQUIRE(worker->status(lease(running, 1), v1::JOB_PHASE_RUNNING, 0));
  REQUIRE(fixture.wait_for_state(running, JobState::running));

  // Over the admin API.
  v1::CancelJobRequest request;
  request.set_job_id(running);
  request.set_reason("operator said so");
  request.set_grace_ms(1500);
  v1::CancelJobResponse response;
  REQUIRE(fixture.admin()->CancelJob(fixture.admin_context().get(), request, &response).ok());
  CHECK(response.state() == v1::JOB_STATE_RUNNING);
  const auto cancel = worker->wait_for(v1::ServerMessage::kCancel);
  REQUIRE(cancel);
  CHECK(cancel->cancel().lease().job_id() == running);
  CHECK(cancel->cancel().grace_ms() == 1500);
  CHECK(cancel->cancel().reason() == "operator said so");
  CHECK(fixture.job(running).cancel_requested);

  REQUIRE(worker->finish(lease(running, 1), v1::JOB_OUTCOME_CANCELLED, {}, std::nullopt));
  REQUIRE(worker->wait_for(v1::ServerMessage::kResultAck));
  CHECK(fixture.job(running).state == JobState::cancelled);
  CHECK_FALSE(fixture.job(running).cancel_requested);
}

TEST_CASE("a draining worker gets no new job and is told so", "[devserver][drain]") {
  ServerFixture fixture;
  auto worker = connected_worker(fixture.worker_options());
  v1::DrainWorkerRequest request;
  request.set_worker_id(worker->worker_id());
  request.set_reason("maintenance");
  v1::DrainWorkerResponse response;
  REQUIRE(fixture.admin()->DrainWorker(fixture.admin_context().get(), request, &response).ok());
  const auto drain = worker->wait_for(v1::ServerMessage::kDrain);
  REQUIRE(drain);
  CHECK(drain->drain().reason() == "maintenance");
  CHECK(worker->heartbeat() == v1::HEARTBEAT_STATUS_DRAIN);

  fixture.submit(job_json());
  REQUIRE(worker->send_credits(2));
  CHECK(assignments_in(worker->drain_for(300ms)).empty());
}

TEST_CASE("cancelling an assigned job ends it at once, the worker's late events are refused", "[devserver][cancel]") {
  ServerFixture fixture;
  auto worker = connected_worker(fixture.worker_options());
  const std::string job_id = fixture.submit(job_json());
  REQUIRE(worker->send_credits(1));
  REQUIRE(worker->wait_for(v1::ServerMessage::kAssignment));
  const CancelResult result = fixture.control_plane().cancel(job_id, "too late", std::nullopt);
  CHECK(result.outcome == CancelOutcome::cancelled);
  CHECK(fixture.job(job_id).state == JobState::cancelled);
  const auto cancel = worker->wait_for(v1::ServerMessage::kCancel);
  REQUIRE(cancel);
  CHECK(cancel->cancel().grace_ms() == 10000); // the spec's default cancel grace

  REQUIRE(worker->accept(lease(job_id, 1)));
  const auto refused = worker->wait_for(v1::ServerMessage::kRefused);
  REQUIRE(refused);
  CHECK(refused->refused().code() == v1::REFUSAL_CODE_NOT_LEASED);

  // A worker that started it anyway and reconnects is told to abandon it (not to forget a result it never sent).
  v1::ResumedJob held;
  *held.mutable_lease() = lease(job_id, 1);
  held.set_phase(v1::JOB_PHASE_RUNNING);
  REQUIRE(worker->connect({held}));
  const auto ack = worker->wait_for(v1::ServerMessage::kResumeAck);
  REQUIRE(ack);
  CHECK(ack->resume_ack().jobs(0).action() == v1::RESUME_ACTION_ABANDON);
}
