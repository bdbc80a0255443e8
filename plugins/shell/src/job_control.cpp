#include "job_control.hpp"

#include <signal.h>

namespace hodei::shell {

namespace {

// SIGTERM, then SIGCONT: a stopped process (kill -STOP, a job stopped by SIGTTIN) only acts on SIGTERM once it runs
// again; without SIGCONT a graceful cancel of a stopped step would always wait for the SIGKILL.
void ask_to_stop(const ProcessGroup &group) {
  group.signal(SIGTERM);
  group.signal(SIGCONT);
}

} // namespace

JobControl::~JobControl() {
  finish();
  if (watchdog_.joinable()) watchdog_.join();
}

void JobControl::cancel(sdk::CancelMode mode, std::chrono::milliseconds grace) {
  std::lock_guard lock(mutex_);
  if (finished_ || forced_) return;
  cancel_requested_ = true;
  if (mode == sdk::CancelMode::force || grace.count() <= 0) {
    kill_now_locked();
    return;
  }
  if (!term_sent_) {
    term_sent_ = true;
    if (group_ != nullptr) ask_to_stop(*group_);
  }
  const auto deadline = std::chrono::steady_clock::now() + grace;
  if (!kill_at_ || deadline < *kill_at_) kill_at_ = deadline;
  start_watchdog_locked();
  cv_.notify_all();
}

void JobControl::signal(int signo) {
  if (signo <= 0 || signo >= NSIG) throw sdk::invalid_argument("signal: " + std::to_string(signo) + " is no signal");
  std::lock_guard lock(mutex_);
  if (group_ == nullptr) throw sdk::not_found("signal: no step is running");
  group_->signal(signo);
}

bool JobControl::cancel_requested() const {
  std::lock_guard lock(mutex_);
  return cancel_requested_;
}

std::optional<std::chrono::steady_clock::time_point> JobControl::graceful_kill_deadline() const {
  std::lock_guard lock(mutex_);
  return forced_ ? std::nullopt : kill_at_;
}

void JobControl::note_sink_cancelled() {
  std::lock_guard lock(mutex_);
  cancel_requested_ = true;
}

void JobControl::finish() {
  std::lock_guard lock(mutex_);
  finished_ = true;
  cv_.notify_all();
}

void JobControl::kill_now_locked() {
  forced_ = true;
  kill_at_.reset();
  if (group_ != nullptr) group_->signal(SIGKILL);
  cv_.notify_all();
}

void JobControl::start_watchdog_locked() {
  if (!watchdog_.joinable()) watchdog_ = std::thread([this] { watchdog_loop(); });
}

void JobControl::watchdog_loop() {
  std::unique_lock lock(mutex_);
  while (!finished_) {
    if (kill_at_ && std::chrono::steady_clock::now() >= *kill_at_) {
      kill_now_locked();
    } else if (kill_at_) {
      cv_.wait_until(lock, *kill_at_);
    } else {
      cv_.wait(lock);
    }
  }
}

JobControl::Attachment::Attachment(JobControl &control, ProcessGroup &group) : control_(&control) {
  std::lock_guard lock(control.mutex_);
  control.group_ = &group;
  if (control.forced_) {
    group.signal(SIGKILL);
  } else if (control.term_sent_) {
    ask_to_stop(group);
  }
}

void JobControl::Attachment::detach() {
  if (control_ == nullptr) return;
  std::lock_guard lock(control_->mutex_);
  control_->group_ = nullptr;
  control_ = nullptr;
}

} // namespace hodei::shell
