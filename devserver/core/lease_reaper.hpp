// The thread that expires the leases of silent workers: every `period` it calls ControlPlane::expire_leases().
// RAII: the constructor starts the thread, the destructor (or stop()) stops and joins it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace hodei::devserver {

class ControlPlane;

class LeaseReaper {
public:
  LeaseReaper(ControlPlane &control_plane, std::chrono::milliseconds period);
  ~LeaseReaper();
  LeaseReaper(const LeaseReaper &) = delete;
  LeaseReaper &operator=(const LeaseReaper &) = delete;

  // Idempotent; returns once the thread has exited.
  void stop();

private:
  void run();

  ControlPlane &control_plane_;
  std::chrono::milliseconds period_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_; // last member: started after everything it uses is initialized
};

} // namespace hodei::devserver
