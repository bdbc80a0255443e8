// Turns SIGINT/SIGTERM (and SIGHUP once on_hangup() is called) into a callback on an ordinary thread (self-pipe), so
// the handler itself does nothing but write one byte. The signal mask is left alone on purpose: child processes inherit
// it across exec, and a job whose SIGTERM is blocked could not be cancelled gracefully.
#pragma once

#include <functional>
#include <mutex>
#include <thread>

namespace hodei::cli {

class SignalWatcher {
public:
  // `on_signal(signo, count)` runs on the watcher thread; count is how many stop signals arrived so far.
  explicit SignalWatcher(std::function<void(int signo, int count)> on_signal);
  ~SignalWatcher(); // restores the previous handlers and joins the thread
  // From now on each SIGHUP runs `callback` on the watcher thread (not counted as a stop signal).
  void on_hangup(std::function<void()> callback);
  SignalWatcher(const SignalWatcher &) = delete;
  SignalWatcher &operator=(const SignalWatcher &) = delete;

private:
  void loop();
  std::function<void(int, int)> on_signal_;
  std::mutex hangup_mutex_;
  std::function<void()> on_hangup_; // guarded by hangup_mutex_
  int pipe_[2] = {-1, -1};
  std::thread thread_;
};

} // namespace hodei::cli
