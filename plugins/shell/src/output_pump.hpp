// OutputPump: moves a step's stdout and stderr from its pipes to the host's sink, on the job thread.
//
// Backpressure is free: sink.write may block, and while it does nothing reads the pipes, so they fill up and the
// step blocks in write(). Memory stays bounded by the pipe buffers plus one read buffer, whatever the output size.
// Per stream, bytes reach the sink in the order they were read, by one thread, so calls never overlap.
#pragma once

#include "unique_fd.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <hodei/sdk.hpp>
#include <span>

namespace hodei::shell {

class OutputPump {
public:
  // `buffer` (at least 64 KiB for throughput) is borrowed and used for one read() at a time.
  OutputPump(UniqueFd stdout_read, UniqueFd stderr_read, const sdk::OutputSink &sink, std::span<std::byte> buffer);

  // Waits up to `timeout` (negative = forever) until a pipe or `wake_fd` (-1 = none) is readable, then forwards at
  // most one read() per pipe (so neither stream starves the other). Returns whether it read anything or saw an end of
  // file, i.e. false when the wait timed out or only `wake_fd` fired.
  bool pump_once(std::chrono::milliseconds timeout, int wake_fd);

  // Time spent waiting in poll() so far (time blocked in the sink not included).
  [[nodiscard]] std::chrono::nanoseconds time_in_poll() const noexcept { return time_in_poll_; }

  // Bytes read from both pipes so far.
  [[nodiscard]] uint64_t bytes_read() const noexcept { return bytes_read_; }

  // Whether a pipe has not reached end of file yet.
  [[nodiscard]] bool open() const noexcept { return stdout_.valid() || stderr_.valid(); }

  // Whether the sink answered a write with "job being cancelled". The pump keeps forwarding: the host took those bytes.
  [[nodiscard]] bool sink_cancelled() const noexcept { return sink_cancelled_; }

  // Drops both read ends (a writer that lives on then gets SIGPIPE/EPIPE).
  void close() noexcept;

private:
  bool forward(UniqueFd &fd, sdk::Stream stream);

  UniqueFd stdout_;
  UniqueFd stderr_;
  const sdk::OutputSink &sink_;
  std::span<std::byte> buffer_;
  uint64_t bytes_read_ = 0;
  std::chrono::nanoseconds time_in_poll_{0};
  bool sink_cancelled_ = false;
};

} // namespace hodei::shell
