// Output: stream separation, exactness of large outputs, backpressure, a sink that says "cancelled".
#include "output_generator.hpp"
#include "process_probe.hpp"
#include "shell_plugin_fixture.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <vector>

using namespace hodei::shell_test;

namespace {

// SHA-256 of the first `bytes` bytes of a generator stream.
std::string expected_sha256(uint64_t seed, uint64_t bytes) {
  ByteGenerator gen(seed);
  Sha256 sha;
  std::vector<unsigned char> buf(1 << 20);
  while (bytes > 0) {
    const size_t n = std::min<uint64_t>(bytes, buf.size());
    gen.fill(buf.data(), n);
    sha.update(buf.data(), n);
    bytes -= n;
  }
  return sha.hex();
}

std::string generate(uint64_t bytes, uint64_t seed, const char *streams) {
  return "'" + generator_path() + "' " + std::to_string(bytes) + " " + std::to_string(seed) + " " + streams;
}

} // namespace

TEST_CASE("stdout and stderr are kept apart, each in order", "[shell][output]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  Job job = one_step(ws.str(), "echo out1; echo err1 >&2; echo out2; echo err2 >&2; printf 'no newline'");
  const hodei_job_result r = run_job(plugin, job, sink);
  CHECK(r.outcome == HODEI_OUTCOME_SUCCEEDED);
  CHECK(sink.out() == "out1\nout2\nno newline");
  CHECK(sink.err() == "err1\nerr2\n");
  CHECK(protocol_errors(sink) == "");
}

TEST_CASE("stdin of a step is /dev/null", "[shell][output]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink;
  Job job = one_step(ws.str(), "readlink /proc/$$/fd/0; cat; echo end");
  CHECK(run_job(plugin, job, sink).outcome == HODEI_OUTCOME_SUCCEEDED);
  CHECK(sink.out() == "/dev/null\nend\n");
}

TEST_CASE("100 MB of output on both streams arrive byte-exact with bounded memory", "[shell][output][large]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink(TestSink::Options{.keep_bytes = false, .hash = true});
  constexpr uint64_t kPerStream = 50'000'000;
  constexpr uint64_t kSeed = 20240607;
  Job job = one_step(ws.str(), generate(kPerStream, kSeed, "both"));
  const uint64_t peak_before = peak_rss_bytes();
  const hodei_job_result r = run_job(plugin, job, sink, std::chrono::seconds(60));
  const uint64_t peak_after = peak_rss_bytes();

  REQUIRE(r.outcome == HODEI_OUTCOME_SUCCEEDED);
  CHECK(sink.bytes(HODEI_STREAM_STDOUT) == kPerStream);
  CHECK(sink.bytes(HODEI_STREAM_STDERR) == kPerStream);
  CHECK(sink.sha256(HODEI_STREAM_STDOUT) == expected_sha256(stdout_seed(kSeed), kPerStream));
  CHECK(sink.sha256(HODEI_STREAM_STDERR) == expected_sha256(stderr_seed(kSeed), kPerStream));
  // The executor holds at most a read buffer (1 MiB) per job: 100 MB must not show up in the peak RSS.
  CHECK(peak_after - peak_before < uint64_t{32} * 1024 * 1024);
  CHECK(protocol_errors(sink) == "");
}

TEST_CASE("a slow sink pushes back on the step and still gets every byte", "[shell][output][backpressure]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink(TestSink::Options{.keep_bytes = false, .hash = true, .write_delay = std::chrono::milliseconds(20)});
  constexpr uint64_t kPerStream = uint64_t{8} * 1024 * 1024;
  constexpr uint64_t kSeed = 7;
  const std::string done_marker = ws.str() + "/generator-done";
  Job job = one_step(ws.str(), generate(kPerStream, kSeed, "both") + " && touch '" + done_marker + "'");
  RunningJob running(plugin, job, sink);

  // When the generator's last write() returned, everything it wrote is in the pipes (<= 1 MiB each), in the
  // executor's read buffer (1 MiB) or already at the sink. An executor that buffered instead of pushing back would let
  // the generator finish long before the sink got its bytes.
  REQUIRE(eventually([&] { return std::filesystem::exists(done_marker); }, std::chrono::seconds(30)));
  const uint64_t delivered = sink.bytes(HODEI_STREAM_STDOUT) + sink.bytes(HODEI_STREAM_STDERR);
  CHECK(delivered + uint64_t{4} * 1024 * 1024 >= 2 * kPerStream);

  const hodei_job_result r = running.wait_done(std::chrono::seconds(30));
  CHECK(r.outcome == HODEI_OUTCOME_SUCCEEDED);
  CHECK(sink.sha256(HODEI_STREAM_STDOUT) == expected_sha256(stdout_seed(kSeed), kPerStream));
  CHECK(sink.sha256(HODEI_STREAM_STDERR) == expected_sha256(stderr_seed(kSeed), kPerStream));
  CHECK(protocol_errors(sink) == "");
}

TEST_CASE("a sink answering 'cancelled' ends the job as cancelled with no further step", "[shell][output]") {
  ShellPlugin plugin;
  TempDir ws;
  TestSink sink(TestSink::Options{.cancelled_after_writes = 0});
  Job job;
  job.workspace = ws.str();
  job.steps = {{"talks", "echo first; sleep 0.2; echo second", "", false, {}}, {"never", "echo never", "", false, {}}};
  const hodei_job_result r = run_job(plugin, job, sink);
  CHECK(r.outcome == HODEI_OUTCOME_CANCELLED);
  CHECK(r.steps_run == 1);
  CHECK(sink.started() == std::vector<uint32_t>{0});
  // The executor keeps draining: the host took those bytes too.
  CHECK(sink.out() == "first\nsecond\n");
  CHECK(protocol_errors(sink) == "");
}
