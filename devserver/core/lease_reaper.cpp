#include "devserver/core/lease_reaper.hpp"

#include "devserver/core/control_plane.hpp"

#include <spdlog/spdlog.h>

namespace hodei::devserver {

LeaseReaper::LeaseReaper(ControlPlane &control_plane, std::chrono::milliseconds period)
    : control_plane_(control_plane), period_(period), thread_([this] { run(); }) {}

LeaseReaper::~LeaseReaper() { stop(); }

void LeaseReaper::stop() {
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LeaseReaper::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, period_, [this] { return stop_; })) {
    lock.unlock();
    try {
      control_plane_.expire_leases();
    } catch (const std::exception &e) { // e.g. the data folder became unwritable: keep trying
      spdlog::error("devserver: lease expiry failed: {}", e.what());
    }
    lock.lock();
  }
}

} // namespace hodei::devserver
