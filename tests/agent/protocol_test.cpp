// Protocol edge cases against a scripted control plane (fake_server.hpp): rejections, stale epochs, log gaps.
#include "agent_fixture.hpp"
#include "fake_server.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <thread>

using namespace hodei::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace v1 = hodei::worker::v1;

namespace {

v1::JobSpec spec(const std::string &run, const std::string &executor = "shell") {
  v1::JobSpec s;
  s.set_name("fake");
  s.set_executor(executor);
  v1::Step &step = *s.add_steps();
  step.set_name("s");
  step.set_run(run);
  return s;
}

auto reject_of(const std::string &job) {
  return [job](const v1::WorkerMessage &m) { return m.has_reject() && m.reject().lease().job_id() == job; };
}
auto accept_of(const std::string &job) {
  return [job](const v1::WorkerMessage &m) { return m.has_accept() && m.accept().lease().job_id() == job; };
}
auto finished_of(const std::string &job) {
  return [job](const v1::WorkerMessage &m) { return m.has_finished() && m.finished().lease().job_id() == job; };
}

bool process_alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] != 'Z';
}

v1::ServerMessage refusal(const std::string &job, v1::RefusalCode code, const std::string &event) {
  v1::ServerMessage m;
  m.mutable_refused()->mutable_lease()->set_job_id(job);
  m.mutable_refused()->mutable_lease()->set_lease_epoch(1);
  m.mutable_refused()->set_code(code);
  m.mutable_refused()->set_reason("scripted");
  m.mutable_refused()->set_event(event);
  return m;
}

} // namespace

TEST_CASE("assignments the worker cannot take are rejected with the right code", "[agent][protocol]") {
  FakeServer fake;
  Cluster c;
  c.address = fake.address();
  c.start_worker();
  REQUIRE(
      fake.wait_for([](const v1::WorkerMessage &m) { return m.has_credits() && m.credits().free_slots() == 1; }, 10s));

  fake.assign("job-x", 1, spec("true", "nosuch"));
  const auto unknown = fake.wait_for(reject_of("job-x"), 10s);
  REQUIRE(unknown);
  CHECK(unknown->reject().code() == v1::REJECT_CODE_EXECUTOR_UNAVAILABLE);
  CHECK(unknown->reject().reason().find("shell") != std::string::npos); // lists the loaded executors

  v1::JobSpec no_steps = spec("true");
  no_steps.clear_steps();
  fake.assign("job-bad", 1, no_steps);
  const auto invalid = fake.wait_for(reject_of("job-bad"), 10s);
  REQUIRE(invalid);
  CHECK(invalid->reject().code() == v1::REJECT_CODE_INVALID_SPEC);

  fake.assign("job-a", 1, spec("sleep 1"));
  fake.assign("job-b", 1, spec("true"));
  REQUIRE(fake.wait_for(accept_of("job-a"), 10s));
  const auto full = fake.wait_for(reject_of("job-b"), 10s);
  REQUIRE(full);
  CHECK(full->reject().code() == v1::REJECT_CODE_NO_CAPACITY);
  const auto done = fake.wait_for(finished_of("job-a"), 20s);
  REQUIRE(done);
  CHECK(done->finished().result().outcome() == v1::JOB_OUTCOME_SUCCEEDED);
  // After the ResultAck the slot is free again; the credits count the four assignments received.
  CHECK(fake.wait_for(
      [](const v1::WorkerMessage &m) {
        return m.has_credits() && m.credits().free_slots() == 1 && m.credits().assignments_received() == 4;
      },
      10s));
}

TEST_CASE("a stale epoch refusal stops the job and drops it without a result", "[agent][protocol]") {
  FakeServer fake;
  Cluster c;
  c.address = fake.address();
  c.start_worker();
  const fs::path pid_file = c.dir.path() / "stale.pid";
  fake.assign("job-s", 1, spec("sleep 300 & echo $! > " + pid_file.string() + "; wait"));
  REQUIRE(fake.wait_for(accept_of("job-s"), 10s));
  pid_t pid = 0;
  REQUIRE(eventually(
      [&] {
        std::ifstream in(pid_file);
        return static_cast<bool>(in >> pid) && pid > 0;
      },
      20s));
  fake.send(refusal("job-s", v1::REFUSAL_CODE_STALE_EPOCH, "status"));
  CHECK(eventually([&] { return !process_alive(pid); }, 15s));
  // The slot is free again, and no result is ever sent for the dropped attempt.
  CHECK(fake.wait_for(
      [](const v1::WorkerMessage &m) {
        return m.has_credits() && m.credits().free_slots() == 1 && m.credits().assignments_received() == 1;
      },
      15s));
  std::this_thread::sleep_for(500ms);
  CHECK(!fake.wait_for(finished_of("job-s"), 0ms));
  if (process_alive(pid)) ::kill(pid, SIGKILL);
}

TEST_CASE("a LOG_GAP refusal makes the worker resend from the server's offset", "[agent][protocol]") {
  FakeServer fake;
  fake.set_auto_ack(false);
  Cluster c;
  c.address = fake.address();
  c.start_worker();
  fake.assign("job-g", 1, spec("echo hello; sleep 1; echo world"));
  auto first_stdout = [](const v1::WorkerMessage &m) {
    return m.has_log() && m.log().stream() == v1::LOG_STREAM_STDOUT && m.log().offset() == 0;
  };
  REQUIRE(fake.wait_for(first_stdout, 10s));
  fake.send(refusal("job-g", v1::REFUSAL_CODE_LOG_GAP, "log"));
  v1::ServerMessage ack;
  ack.mutable_log_ack()->mutable_lease()->set_job_id("job-g");
  ack.mutable_log_ack()->mutable_lease()->set_lease_epoch(1);
  ack.mutable_log_ack()->set_stream(v1::LOG_STREAM_STDOUT);
  ack.mutable_log_ack()->set_committed_offset(0);
  fake.send(ack);
  const auto finished = fake.wait_for(finished_of("job-g"), 20s);
  REQUIRE(finished);
  size_t sent_at_zero = 0;
  std::string stdout_bytes;
  for (const v1::WorkerMessage &m : fake.received()) {
    if (!m.has_log() || m.log().stream() != v1::LOG_STREAM_STDOUT) continue;
    if (m.log().offset() == 0) ++sent_at_zero;
    if (m.log().offset() == stdout_bytes.size()) stdout_bytes += m.log().data(); // in order, no gap
  }
  CHECK(sent_at_zero == 2); // sent, then resent from the offset the server gave
  CHECK(stdout_bytes == "hello\nworld\n");
  CHECK(finished->finished().result().log_lengths(0).length() == 12);
}
