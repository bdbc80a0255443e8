// The server SIGKILLed at a random moment of each of 20 job runs (before the assignment, mid-output, while the
// result is being delivered) and restarted on the same port and data folder: no byte lost or duplicated, no job run
// twice, every result delivered. The random delays come from a seed printed at the start: set HODEI_FAULT_SEED to
// replay a failure.
#include "agent_fixture.hpp"
#include "fault_helpers.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

using namespace hodei::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kSliceLines = 60000;
constexpr int kSlices = 5; // 300000 lines, ~2 MB per run

uint64_t seed_for(int batch) {
  if (const char *fixed = std::getenv("HODEI_FAULT_SEED")) return std::strtoull(fixed, nullptr, 10) + batch;
  return std::random_device{}();
}

// The job: records that it ran (one line per execution in its marker file), then prints numbered lines in slices
// with short pauses, so the kills land before, during and after its output.
std::string job_json(const fs::path &marker) {
  return R"({"name": "numbered", "executor": "shell", "steps": [{"name": "s", "run": "echo ran >> )" + marker.string() +
         R"(; for i in $(seq 0 )" + std::to_string(kSlices - 1) + R"(); do seq $((i*)" + std::to_string(kSliceLines) +
         R"(+1)) $(((i+1)*)" + std::to_string(kSliceLines) + R"()); sleep 0.15; done"}]})";
}

std::vector<std::string> lines_of(const fs::path &file) {
  std::vector<std::string> out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// `runs` jobs one after the other on one cluster, the server SIGKILLed once during each.
void kill_during_runs(int batch, int runs) {
  const uint64_t seed = seed_for(batch);
  std::cout << "server kill batch " << batch << ": seed " << seed << " (replay: HODEI_FAULT_SEED=" << seed - batch
            << ")" << std::endl;
  INFO("seed " << seed);
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<int> kill_after_ms(0, 1800);
  std::uniform_int_distribution<int> down_for_ms(0, 400);

  Cluster c;
  c.start_server();
  c.start_worker();
  const std::string expected = seq_text(1, kSlices * kSliceLines);
  for (int run = 0; run < runs; ++run) {
    const int kill_after = kill_after_ms(random);
    const int down_for = down_for_ms(random);
    INFO("run " << run << ": kill after " << kill_after << " ms, down for " << down_for << " ms");
    const fs::path marker = c.dir.path() / ("ran-" + std::to_string(run));
    const std::string id = c.submit(c.job_file("job" + std::to_string(run) + ".json", job_json(marker)));
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_after));
    c.kill_server();
    std::this_thread::sleep_for(std::chrono::milliseconds(down_for));
    c.start_server();
    {
      INFO("worker log:\n" << c.worker->err());
      REQUIRE(c.wait_terminal(id, 40s) == "succeeded");
    }
    const std::string stored = read_file(c.stored_log(id, "stdout"));
    CHECK(stored.size() == expected.size());
    CHECK(sha256_hex(stored) == sha256_hex(expected));
    CHECK(lines_of(marker).size() == 1); // ran exactly once
    CHECK(count_of(c.worker->err(), "job " + id + ": accepted") == 1);
  }
  const auto stats = c.stats(); // counters of the last server process
  for (const char *counter : kProtocolErrorCounters) {
    INFO(counter);
    CHECK(stats.at(counter) == 0);
  }
  CHECK(c.worker->running());
}

} // namespace

// 20 runs in four ctest entries of five, so each stays well under a minute.
TEST_CASE("server SIGKILLed at random points in runs 1 to 5: no byte lost or duplicated and no job run twice",
          "[faults][server-kill]") {
  kill_during_runs(0, 5);
}
TEST_CASE("server SIGKILLed at random points in runs 6 to 10: no byte lost or duplicated and no job run twice",
          "[faults][server-kill]") {
  kill_during_runs(1, 5);
}
TEST_CASE("server SIGKILLed at random points in runs 11 to 15: no byte lost or duplicated and no job run twice",
          "[faults][server-kill]") {
  kill_during_runs(2, 5);
}
TEST_CASE("server SIGKILLed at random points in runs 16 to 20: no byte lost or duplicated and no job run twice",
          "[faults][server-kill]") {
  kill_during_runs(3, 5);
}
