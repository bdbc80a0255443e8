// TestSink: a hodei_output_sink for tests. Collects (or only hashes and counts) each stream, records step events,
// can push back (sleep in write) or answer "cancelled", and checks the sink protocol the executor must keep:
// step_started(i) before any output of step i, step_finished(i) after all of it, no overlapping writes on a stream,
// no call at all after the job was destroyed.
#pragma once

#include "sha256.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <hodei/executor.h>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace hodei::shell_test {

class TestSink {
public:
  struct Options {
    bool keep_bytes = true;                   // store the output (tests reading it as text)
    bool hash = false;                        // SHA-256 each stream (large outputs)
    std::chrono::microseconds write_delay{0}; // sleep in every write: simulated backpressure
    int64_t cancelled_after_writes = -1;      // answer HODEI_ERR_CANCELLED from this write on (0-based), -1 never
  };

  TestSink() : TestSink(Options{}) {}
  explicit TestSink(Options options);
  TestSink(const TestSink &) = delete;
  TestSink &operator=(const TestSink &) = delete;

  [[nodiscard]] const hodei_output_sink *c_sink() const noexcept { return &c_; }

  [[nodiscard]] std::string out() const;
  [[nodiscard]] std::string err() const;
  [[nodiscard]] uint64_t bytes(uint32_t stream) const;
  [[nodiscard]] std::string sha256(uint32_t stream) const;
  [[nodiscard]] uint64_t write_calls() const;
  [[nodiscard]] std::vector<uint32_t> started() const;
  [[nodiscard]] std::vector<hodei_step_result> finished() const;
  // Breaches of the sink protocol seen so far; empty when the executor behaved.
  [[nodiscard]] std::vector<std::string> violations() const;

  // Blocks until `needle` appeared in the stream's stored bytes, up to `timeout`.
  bool wait_for_output(uint32_t stream, std::string_view needle, std::chrono::milliseconds timeout) const;

  // From now on every call is a violation (the job was destroyed).
  void close();

private:
  struct StreamState {
    std::string bytes;
    uint64_t count = 0;
    Sha256 hash;
    std::atomic<int> in_flight{0};
  };

  static hodei_status on_write(void *ctx, uint32_t stream, const uint8_t *data, size_t len);
  static void on_step_started(void *ctx, uint32_t index);
  static void on_step_finished(void *ctx, const hodei_step_result *result);
  hodei_status write(uint32_t stream, const uint8_t *data, size_t len);
  StreamState *state(uint32_t stream);
  void violation(std::string what); // mutex held

  Options options_;
  hodei_output_sink c_{};
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  StreamState out_;
  StreamState err_;
  uint64_t writes_ = 0;
  std::vector<uint32_t> started_;
  std::vector<hodei_step_result> finished_;
  bool in_step_ = false;
  bool closed_ = false;
  std::vector<std::string> violations_;
};

} // namespace hodei::shell_test
