// The worker talks to the devserver through a fault-injecting TCP proxy: stalls, cuts, drops and refusals while a
// job writes numbered lines. The job completes and the stored log is byte-identical to what it wrote.
#include "agent_fixture.hpp"
#include "fault_helpers.hpp"
#include "tcp_proxy.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <iostream>
#include <thread>

using namespace hodei::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kSliceLines = 100000;
constexpr int kSlices = 6;

// A job that prints slice i (kSliceLines numbered lines), then waits for the file go<i> before the next slice: the
// test decides when output happens relative to each fault.
std::string gated_job(const fs::path &dir) {
  return R"({"name": "gated", "executor": "shell", "steps": [{"name": "s", "run": "for i in $(seq 0 )" +
         std::to_string(kSlices - 1) + R"(); do seq $((i*)" + std::to_string(kSliceLines) + R"(+1)) $(((i+1)*)" +
         std::to_string(kSliceLines) + R"()); while [ ! -e )" + (dir / "go").string() +
         R"($i ]; do sleep 0.05; done; done"}]})";
}

} // namespace

TEST_CASE("stalls and cuts and drops and refusals between worker and server lose and duplicate no log byte",
          "[faults][network]") {
  Cluster c;
  c.start_server();
  TcpProxy proxy(c.port);
  WorkerSetup setup;
  setup.server_address = proxy.address();
  // Short keepalive: a stalled path is noticed within ~4 s instead of the default 30 s.
  setup.server_config = R"("keepalive_time_ms": 2000, "keepalive_timeout_ms": 2000)";
  c.start_worker(setup);

  const std::string id = c.submit(c.job_file("gated.json", gated_job(c.dir.path())));
  const fs::path stored = c.stored_log(id, "stdout");
  const auto stored_through = [&](int slices) {
    INFO("waiting for slice " << slices << "; worker log:\n" << c.worker->err());
    REQUIRE(eventually([&] { return size_of(stored) >= seq_text(1, slices * kSliceLines).size(); }, 40s));
  };
  const auto release = [&](int slice) { std::ofstream(c.dir.path() / ("go" + std::to_string(slice))) << "go"; };
  const auto stream_ends = [&] { return count_of(c.worker->err(), "the job stream to"); };
  stored_through(1);

  // A short stall (under the keepalive time): bytes wait in the proxy, the connection survives.
  proxy.stall();
  release(0);
  std::this_thread::sleep_for(500ms);
  proxy.pass();
  stored_through(2);

  // A long stall: only keepalive notices it; the worker drops the connection and reconnects.
  const size_t ends_before_stall = stream_ends();
  proxy.stall();
  release(1);
  {
    INFO(c.worker->err());
    CHECK(eventually([&] { return stream_ends() > ends_before_stall; }, 30s));
  }
  proxy.pass();
  stored_through(3);

  // A cut: every connection reset at once.
  const size_t ends_before_cut = stream_ends();
  proxy.cut();
  release(2);
  stored_through(4);
  CHECK(stream_ends() > ends_before_cut);

  // Connections accepted and closed at once, for a while.
  proxy.drop();
  release(3);
  std::this_thread::sleep_for(1500ms);
  proxy.resume();
  stored_through(5);

  // The server unreachable: connection refused, existing connections reset.
  proxy.refuse();
  proxy.cut();
  release(4);
  std::this_thread::sleep_for(1500ms);
  proxy.resume();
  release(5);

  CHECK(c.wait_terminal(id, 40s) == "succeeded");
  const std::string expected = seq_text(1, kSlices * kSliceLines);
  const ProcessResult logs = c.cli({"logs", id, "--stream", "stdout"}, 60s);
  REQUIRE(logs.exit_code == 0);
  CHECK(logs.out.size() == expected.size());
  CHECK(sha256_hex(logs.out) == sha256_hex(expected));
  const auto stats = c.stats();
  std::cout << "network faults: " << stats.at("log_duplicate_bytes") << " log bytes resent and dropped as duplicates, "
            << proxy.accepted() << " connections" << std::endl;
  for (const char *counter : kProtocolErrorCounters) {
    INFO(counter);
    CHECK(stats.at(counter) == 0);
  }
  CHECK(c.worker->running());
}

TEST_CASE("a dead connection is replaced with the default keepalive before the server's lease loses the job",
          "[faults][network]") {
  Cluster c;
  c.start_server(); // lease timeout 30 s
  TcpProxy proxy(c.port);
  WorkerSetup setup;
  setup.server_address = proxy.address(); // default keepalive: 10 s + 5 s
  c.start_worker(setup);
  const std::string id = c.submit(c.job_file("gated.json", gated_job(c.dir.path())));
  const fs::path stored = c.stored_log(id, "stdout");
  const auto stored_through = [&](int slices, std::chrono::milliseconds timeout) {
    INFO("waiting for slice " << slices << "; worker log:\n" << c.worker->err());
    REQUIRE(eventually([&] { return size_of(stored) >= seq_text(1, slices * kSliceLines).size(); }, timeout));
  };
  const auto release = [&](int slice) { std::ofstream(c.dir.path() / ("go" + std::to_string(slice))) << "go"; };
  stored_through(1, 40s);

  // The open connection goes dead without a reset (a NAT entry expired); new connections work.
  proxy.stall_current();
  release(0);
  stored_through(2, 28s); // through a new connection, before the 30 s lease expired
  for (int slice = 1; slice < kSlices; ++slice) release(slice);
  CHECK(c.wait_terminal(id, 40s) == "succeeded");
  const std::string expected = seq_text(1, kSlices * kSliceLines);
  CHECK(sha256_hex(read_file(stored)) == sha256_hex(expected));
  const auto stats = c.stats();
  for (const char *counter : kProtocolErrorCounters) {
    INFO(counter);
    CHECK(stats.at(counter) == 0);
  }
}
