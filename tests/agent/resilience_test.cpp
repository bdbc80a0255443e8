// Zero log loss: the server SIGKILLed and restarted mid-job, the server stopped while a job outgrows the spool.
#include "agent_fixture.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <string>
#include <thread>

using namespace hodei::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// What `seq 1 n` prints.
std::string seq_text(uint64_t n) {
  std::string out;
  out.reserve(static_cast<size_t>(n) * 8);
  for (uint64_t i = 1; i <= n; ++i) {
    out += std::to_string(i);
    out += '\n';
  }
  return out;
}

uint64_t size_of(const fs::path &p) {
  std::error_code ec;
  const auto size = fs::file_size(p, ec);
  return ec ? 0 : size;
}

} // namespace

TEST_CASE("the server SIGKILLed three times during a 50 MB job: the stored log is byte-identical", "[agent][slow]") {
  Cluster c;
  c.start_server();
  c.start_worker();
  // seq 1 7000000 in 7 slices with pauses, so the kills land while the job still writes.
  const std::string id = c.submit(c.job_file("big.json", R"({"name": "big", "executor": "shell", "steps": [{"name": "s",
    "run": "for i in 0 1 2 3 4 5 6; do seq $((i*1000000+1)) $(((i+1)*1000000)); sleep 0.7; done"}]})"));
  const fs::path stdout_log = c.stored_log(id, "stdout");
  for (const uint64_t kill_at : {uint64_t{6} << 20, uint64_t{20} << 20, uint64_t{36} << 20}) {
    REQUIRE(eventually([&] { return size_of(stdout_log) >= kill_at; }, 40s));
    c.kill_server();
    std::this_thread::sleep_for(500ms);
    c.start_server();
  }
  CHECK(c.wait_terminal(id, 50s) == "succeeded");
  const std::string expected = seq_text(7000000);
  const std::string stored = read_file(stdout_log);
  CHECK(stored.size() == expected.size());
  CHECK((stored == expected)); // byte-identical: no gap, no duplicate, no reordering
  const ProcessResult logs = c.cli({"logs", id, "--stream", "stdout"}, 60s);
  CHECK(logs.exit_code == 0);
  CHECK((logs.out == expected));
  // The worker resumed the job after each restart (it was still running or still sending).
  size_t resumes = 0;
  const std::string worker_log = c.worker->err();
  for (size_t p = worker_log.find(id + ": resumed"); p != std::string::npos;
       p = worker_log.find(id + ": resumed", p + 1)) {
    ++resumes;
  }
  CHECK(resumes >= 3);
  const auto stats = c.stats(); // counters of the last server process
  CHECK(stats.at("log_gaps") == 0);
  CHECK(stats.at("log_overlap_mismatches") == 0);
  CHECK(stats.at("stale_epochs") == 0);
  CHECK(stats.at("malformed_messages") == 0);
}

TEST_CASE("a full spool pauses the job while the server is stopped, it resumes and nothing is lost", "[agent][slow]") {
  Cluster c;
  c.start_server();
  c.start_worker([&] {
    WorkerSetup s;
    s.extra_config = R"("logs": {"spool_quota_bytes": 1048576, "memory_buffer_bytes": 262144})";
    return s;
  }());
  const fs::path go = c.dir.path() / "go";
  const fs::path done = c.dir.path() / "done";
  const std::string id =
      c.submit(c.job_file("spool.json", R"({"name": "spool", "executor": "shell", "steps": [{"name": "s",
    "run": "while [ ! -e )" + go.string() + R"( ]; do sleep 0.05; done; seq 1 1500000; touch )" +
                                            done.string() + R"("}]})"));
  REQUIRE(c.wait_state(id, "running", 30s));
  c.server->signal(SIGSTOP);
  std::ofstream(go) << "go";
  // 10 MB of output against 1 MiB of spool + 256 KiB of memory: the job must pause.
  CHECK(c.worker->wait_for_output("output paused", 15s));
  CHECK(!fs::exists(done));
  c.server->signal(SIGCONT);
  CHECK(c.wait_terminal(id, 50s) == "succeeded");
  CHECK(fs::exists(done));
  CHECK((read_file(c.stored_log(id, "stdout")) == seq_text(1500000)));
  CHECK(c.stats().at("log_gaps") == 0);
}

TEST_CASE("a worker started before its server keeps retrying and connects when the server comes up", "[agent]") {
  Cluster c;
  c.start_worker([&] {
    WorkerSetup s;
    s.wait_connected = false;
    return s;
  }());
  REQUIRE(c.worker->wait_for_output("cannot register with", 20s));
  c.start_server();
  REQUIRE(c.worker->wait_for_output("job stream open", 20s));
  const std::string id = c.submit(c.job_file("late.json", R"({"name": "late", "executor": "shell",
    "steps": [{"name": "s", "run": "echo late"}]})"));
  CHECK(c.wait_terminal(id, 30s) == "succeeded");
  CHECK(read_file(c.stored_log(id, "stdout")) == "late\n");
}
