#include "job_control.hpp"

#include "container_spec.hpp"

#include <csignal>
#include <utility>

namespace hodei::docker {

JobControl::JobControl(const DockerApi &api, const sdk::Host &host, std::string job_id)
    : api_(api), host_(host), job_id_(std::move(job_id)) {}

JobControl::~JobControl() {
  finish();
  if (watchdog_.joinable()) watchdog_.join();
}

void JobControl::cancel(sdk::CancelMode mode, std::chrono::milliseconds grace) {
  {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    cancel_requested_ = true;
    if (mode == sdk::CancelMode::force) {
      if (!forced_) {
        forced_ = true;
        pending_signal_ = SIGKILL;
      }
    } else {
      if (!term_requested_) {
        term_requested_ = true;
        if (!forced_) pending_signal_ = SIGTERM;
      }
      const auto deadline = std::chrono::steady_clock::now() + grace;
      if (!kill_at_ || deadline < *kill_at_) kill_at_ = deadline;
    }
    start_watchdog_locked();
  }
  cv_.notify_all();
  pull_interrupt_.trigger();
}

void JobControl::signal(int signo) {
  if (signo != SIGKILL && !keeper_relays(signo))
    throw sdk::unsupported("signal " + std::to_string(signo) +
                           ": only HUP, INT, QUIT, TERM, USR1, USR2 (relayed to the step) and KILL (ends the "
                           "container) can be sent");
  std::string id;
  {
    std::lock_guard lock(mutex_);
    if (finished_ || container_id_.empty()) throw sdk::not_found("job " + job_id_ + " has no running container");
    id = container_id_;
    signals_sent_ = true;
  }
  if (!api_.kill_container(id, signo)) throw sdk::not_found("job " + job_id_ + ": the container is not running");
}

bool JobControl::cancel_requested() const {
  std::lock_guard lock(mutex_);
  return cancel_requested_;
}

bool JobControl::signals_sent() const {
  std::lock_guard lock(mutex_);
  return signals_sent_;
}

void JobControl::note_sink_cancelled() {
  std::lock_guard lock(mutex_);
  cancel_requested_ = true;
}

JobControl::Attachment::Attachment(JobControl &control, const std::string &container_id) : control_(control) {
  {
    std::lock_guard lock(control_.mutex_);
    control_.container_id_ = container_id;
  }
  control_.cv_.notify_all(); // a cancel that came before the container existed can now be delivered
}

JobControl::Attachment::~Attachment() {
  std::lock_guard lock(control_.mutex_);
  control_.container_id_.clear();
}

bool JobControl::begin_exec() {
  std::lock_guard lock(mutex_);
  if (cancel_requested_) return false;
  exec_starting_ = true;
  return true;
}

void JobControl::exec_started() {
  {
    std::lock_guard lock(mutex_);
    exec_starting_ = false;
  }
  cv_.notify_all();
}

void JobControl::finish() {
  {
    std::lock_guard lock(mutex_);
    finished_ = true;
  }
  cv_.notify_all();
}

void JobControl::start_watchdog_locked() {
  if (!watchdog_.joinable()) watchdog_ = std::thread([this] { watchdog_loop(); });
}

void JobControl::watchdog_loop() {
  std::unique_lock lock(mutex_);
  while (!finished_) {
    if (pending_signal_ != 0 && !container_id_.empty() && !exec_starting_) {
      const int signo = std::exchange(pending_signal_, 0);
      const std::string id = container_id_;
      signals_sent_ = true;
      lock.unlock();
      deliver(id, signo);
      lock.lock();
      continue;
    }
    if (kill_at_ && !forced_ && std::chrono::steady_clock::now() >= *kill_at_) {
      forced_ = true;
      pending_signal_ = SIGKILL;
      continue;
    }
    if (kill_at_ && !forced_) {
      cv_.wait_until(lock, *kill_at_);
    } else {
      cv_.wait(lock);
    }
  }
}

void JobControl::deliver(const std::string &container_id, int signo) {
  try {
    api_.kill_container(container_id, signo);
    host_.debug("job " + job_id_ + ": sent signal " + std::to_string(signo) + " to container " +
                container_id.substr(0, 12));
  } catch (const std::exception &e) {
    host_.warn("job " + job_id_ + ": could not send signal " + std::to_string(signo) +
               " to the container: " + e.what());
  }
}

} // namespace hodei::docker
