#include "output_pump.hpp"

#include <cerrno>
#include <climits>
#include <poll.h>
#include <unistd.h>

namespace hodei::shell {

OutputPump::OutputPump(UniqueFd stdout_read, UniqueFd stderr_read, const sdk::OutputSink &sink,
                       std::span<std::byte> buffer)
    : stdout_(std::move(stdout_read)), stderr_(std::move(stderr_read)), sink_(sink), buffer_(buffer) {}

bool OutputPump::pump_once(std::chrono::milliseconds timeout, int wake_fd) {
  // poll() skips negative fds, so closed pipes and a missing wake fd simply drop out of the set.
  pollfd fds[3] = {{stdout_.get(), POLLIN, 0}, {stderr_.get(), POLLIN, 0}, {wake_fd, POLLIN, 0}};
  const int ms = timeout.count() < 0 ? -1 : static_cast<int>(std::min<long long>(timeout.count(), INT_MAX));
  const auto t0 = std::chrono::steady_clock::now();
  const int ready = ::poll(fds, 3, ms);
  time_in_poll_ += std::chrono::steady_clock::now() - t0;
  if (ready <= 0) return false; // timeout, or EINTR: the caller loops and re-checks its conditions
  bool progress = false;
  if (fds[0].revents != 0) progress |= forward(stdout_, sdk::Stream::out);
  if (fds[1].revents != 0) progress |= forward(stderr_, sdk::Stream::err);
  return progress;
}

bool OutputPump::forward(UniqueFd &fd, sdk::Stream stream) {
  const ssize_t n = ::read(fd.get(), buffer_.data(), buffer_.size());
  if (n > 0) {
    bytes_read_ += static_cast<uint64_t>(n);
    if (!sink_.write(stream, buffer_.data(), static_cast<size_t>(n))) sink_cancelled_ = true;
    return true;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return false;
  fd.reset(); // end of file, or a read error we cannot recover from: this stream is done
  return true;
}

void OutputPump::close() noexcept {
  stdout_.reset();
  stderr_.reset();
}

} // namespace hodei::shell
