// The spool quota reached while the server is away: the job's output pauses (its producer blocks, no byte is
// dropped), the job resumes when the server returns, the stored log is byte-exact and the worker stays healthy.
#include "agent_fixture.hpp"
#include "fault_helpers.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

using namespace hodei::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kSliceLines = 50000;
constexpr int kSlices = 40; // 2 000 000 lines, ~15 MB: far more than the 1 MiB spool + 256 KiB memory

// How many slices the producer finished (it writes the count after each one); 0 before the first.
int counter(const fs::path &file) {
  std::ifstream in(file);
  int value = 0;
  in >> value;
  return value;
}

} // namespace

TEST_CASE("a spool quota reached while the server is down blocks the producer and loses no byte", "[faults][spool]") {
  Cluster c;
  c.start_server();
  WorkerSetup setup;
  setup.extra_config = R"("logs": {"spool_quota_bytes": 1048576, "memory_buffer_bytes": 262144})";
  c.start_worker(setup);
  const fs::path go = c.dir.path() / "go";
  const fs::path count = c.dir.path() / "count";
  const std::string id = c.submit(c.job_file(
      "spool.json", R"({"name": "spool", "executor": "shell", "steps": [{"name": "s", "run": "while [ ! -e )" +
                        go.string() + R"( ]; do sleep 0.05; done; for i in $(seq 1 )" + std::to_string(kSlices) +
                        R"(); do seq $((i*)" + std::to_string(kSliceLines) + R"(-)" + std::to_string(kSliceLines - 1) +
                        R"()) $((i*)" + std::to_string(kSliceLines) + R"()); echo $i > )" + count.string() +
                        R"(; done"}]})"));
  REQUIRE(c.wait_state(id, "running", 30s));

  c.kill_server();
  std::ofstream(go) << "go";
  {
    INFO(c.worker->err());
    REQUIRE(c.worker->wait_for_output("output paused", 20s));
  }
  // The producer is blocked: its counter stands still while the server is away.
  std::this_thread::sleep_for(500ms);
  const int paused_at = counter(count);
  std::this_thread::sleep_for(1500ms);
  CHECK(counter(count) == paused_at);
  CHECK(paused_at < kSlices);

  c.start_server();
  {
    INFO(c.worker->err());
    REQUIRE(c.wait_terminal(id, 60s) == "succeeded");
  }
  CHECK(counter(count) == kSlices);
  const std::string expected = seq_text(1, kSlices * kSliceLines);
  const std::string stored = read_file(c.stored_log(id, "stdout"));
  CHECK(stored.size() == expected.size());
  CHECK(sha256_hex(stored) == sha256_hex(expected));
  const auto stats = c.stats(); // of the restarted server
  for (const char *counter : kProtocolErrorCounters) {
    INFO(counter);
    CHECK(stats.at(counter) == 0);
  }

  // Still healthy: it takes and completes the next job.
  const std::string next = c.submit(c.job_file(
      "next.json", R"({"name": "next", "executor": "shell", "steps": [{"name": "s", "run": "echo next"}]})"));
  CHECK(c.wait_terminal(next, 30s) == "succeeded");
  CHECK(read_file(c.stored_log(next, "stdout")) == "next\n");
  CHECK(c.worker->running());
}
