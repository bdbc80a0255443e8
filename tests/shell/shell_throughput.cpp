// hodei-shell-throughput [BYTES] — not a test: measures how fast the shell executor moves a step's output into a
// sink that only counts, against the same bytes through a plain pipe into cat. Prints both.
//
//   ninja -C build-shell hodei_shell_throughput && build-shell/bin/hodei-shell-throughput 1073741824
#include "shell_plugin_fixture.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace hodei::shell_test;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void report(const char *what, uint64_t bytes, double secs) {
  std::printf("%-58s %6.2f s  %8.1f MiB/s\n", what, secs, static_cast<double>(bytes) / (1 << 20) / secs);
}

} // namespace

int main(int argc, char **argv) {
  const uint64_t bytes = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : (uint64_t{1} << 30);
  const std::string head = "head -c " + std::to_string(bytes) + " /dev/zero";

  ShellPlugin plugin;
  TempDir ws;
  TestSink sink(TestSink::Options{.keep_bytes = false, .hash = false});
  Job job = one_step(ws.str(), head);
  auto t0 = Clock::now();
  const hodei_job_result r = run_job(plugin, job, sink, std::chrono::minutes(10));
  const double plugin_secs = seconds_since(t0);
  if (r.outcome != HODEI_OUTCOME_SUCCEEDED || sink.bytes(HODEI_STREAM_STDOUT) != bytes) {
    std::fprintf(stderr, "job failed or lost bytes: outcome %d, %llu bytes\n", r.outcome,
                 static_cast<unsigned long long>(sink.bytes(HODEI_STREAM_STDOUT)));
    return 1;
  }
  report(("plugin: " + head + " -> counting sink").c_str(), bytes, plugin_secs);
  std::printf("%58s %llu sink.write calls\n", "", static_cast<unsigned long long>(sink.write_calls()));

  const std::string reference = head + " | cat >/dev/null";
  t0 = Clock::now();
  if (std::system(reference.c_str()) != 0) return 1;
  report(("reference: " + reference).c_str(), bytes, seconds_since(t0));
  return 0;
}
