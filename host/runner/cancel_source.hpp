// A cancellation request shared between whoever wants a job stopped (a signal thread, the control-plane client)
// and the runner that acts on it. Thread-safe; the first reason wins.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

namespace hodei::runner {

class CancelSource {
public:
  void cancel(std::string reason, std::chrono::milliseconds grace = std::chrono::milliseconds(-1)) {
    {
      const std::lock_guard lock(mutex_);
      if (cancelled_) return;
      cancelled_ = true;
      reason_ = std::move(reason);
      grace_ = grace;
    }
    cv_.notify_all();
  }
  // Asks for an immediate stop (a second Ctrl-C): the runner skips the rest of the grace period.
  void force(std::string reason) {
    cancel(std::move(reason), std::chrono::milliseconds(0));
    const std::lock_guard lock(mutex_);
    forced_ = true;
  }
  [[nodiscard]] bool forced() const {
    const std::lock_guard lock(mutex_);
    return forced_;
  }
  [[nodiscard]] bool cancelled() const {
    const std::lock_guard lock(mutex_);
    return cancelled_;
  }
  [[nodiscard]] std::string reason() const {
    const std::lock_guard lock(mutex_);
    return reason_;
  }
  // The grace period asked for with the cancel; negative = the job's own.
  [[nodiscard]] std::chrono::milliseconds grace() const {
    const std::lock_guard lock(mutex_);
    return grace_;
  }
  // Waits until cancelled or `timeout` passed; true when cancelled.
  bool wait_for(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return cancelled_; });
  }

private:
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  bool cancelled_ = false;
  bool forced_ = false;
  std::string reason_;
  std::chrono::milliseconds grace_{-1};
};

} // namespace hodei::runner
