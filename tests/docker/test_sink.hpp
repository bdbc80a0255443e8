// TestSink: a hodei_output_sink that records what a job reports and checks the sink contract as it goes: output and
// step_finished only inside step_started/step_finished, steps in order, no overlapping calls for one stream. It keeps
// the bytes of each stream (or, for big outputs, only their SHA-256 and size).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <hodei/executor.h>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace hodei::test {

class TestSink {
public:
  // keep_bytes = false: only hash and count (for tens of megabytes).
  explicit TestSink(bool keep_bytes = true);
  ~TestSink();
  TestSink(const TestSink &) = delete;
  TestSink &operator=(const TestSink &) = delete;

  [[nodiscard]] const hodei_output_sink *c_sink() const noexcept { return &sink_; }

  [[nodiscard]] std::string out() const;
  [[nodiscard]] std::string err() const;
  [[nodiscard]] uint64_t out_size() const;
  [[nodiscard]] std::string out_sha256() const; // lowercase hex, of everything written to stdout so far
  [[nodiscard]] std::vector<uint32_t> started() const;
  [[nodiscard]] std::vector<hodei_step_result> finished() const;
  // Contract violations seen so far (empty = none).
  [[nodiscard]] std::vector<std::string> violations() const;

  // Makes every write take len / bytes_per_second, like a host that cannot keep up (0 = no delay).
  void throttle(uint64_t bytes_per_second) noexcept { throttle_bps_ = bytes_per_second; }

  // Waits until stdout or stderr contains `needle`.
  bool wait_for_output(std::string_view needle, std::chrono::milliseconds timeout) const;

private:
  static hodei_status on_write(void *ctx, uint32_t stream, const uint8_t *data, size_t len);
  static void on_step_started(void *ctx, uint32_t index);
  static void on_step_finished(void *ctx, const hodei_step_result *result);

  struct Hasher;
  hodei_output_sink sink_{};
  const bool keep_bytes_;
  std::atomic<uint64_t> throttle_bps_{0};
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  std::string out_;
  std::string err_;
  uint64_t out_size_ = 0;
  std::unique_ptr<Hasher> out_hash_;
  bool in_write_[3] = {false, false, false};
  int current_step_ = -1; // between step_started and step_finished
  std::vector<uint32_t> started_;
  std::vector<hodei_step_result> finished_;
  std::vector<std::string> violations_;
};

// Lowercase hex SHA-256 of a file's content ("" when it cannot be read).
std::string sha256_of_file(const std::string &path);

} // namespace hodei::test
