// Hidden benchmark (run with: devserver_protocol_tests "[bench]"): acked log throughput through the real stream
// with each LogSync policy, one chunk in flight (the worst case: the worker waits for every ack).
#include "server_fixture.hpp"

#include <catch2/catch.hpp>
#include <iostream>

using namespace hodei::devserver;
using namespace hodei::devserver::test;

TEST_CASE("acked log throughput per sync policy", "[.][bench]") {
  for (const LogSync sync : {LogSync::os, LogSync::fsync}) {
    for (const std::size_t chunk_size : {std::size_t{4096}, std::size_t{256} * 1024}) {
      ServerFixture fixture(FixtureOptions{std::nullopt, std::chrono::seconds(30), sync});
      auto worker = connected_worker(fixture.worker_options());
      const std::string job_id = fixture.submit(job_json());
      REQUIRE(worker->send_credits(1));
      REQUIRE(worker->wait_for(v1::ServerMessage::kAssignment));
      REQUIRE(worker->accept(lease(job_id, 1)));
      const std::string chunk(chunk_size, 'x');
      const int count = chunk_size == 4096 ? 2000 : 200;
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < count; ++i) {
        REQUIRE(worker->log(lease(job_id, 1), v1::LOG_STREAM_STDOUT, uint64_t(i) * chunk_size, chunk));
        REQUIRE(worker->wait_for_ack(job_id, v1::LOG_STREAM_STDOUT, uint64_t(i + 1) * chunk_size));
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::cout << (sync == LogSync::fsync ? "fsync" : "os   ") << " chunk " << chunk_size << " B: " << count / seconds
                << " acked chunks/s, " << static_cast<double>(count * chunk_size) / seconds / (1024 * 1024)
                << " MiB/s, " << 1e6 * seconds / count << " us per chunk round trip\n";
    }
  }
}
