// JobControl: the part of a job that the host's threads touch (cancel, signal) and the job thread shares with them
// (the running step's process group). One mutex guards both, which is what makes signalling safe: the job thread
// detaches a group (under the mutex) before it reaps its leader, and other threads only signal an attached group, so
// a signal never goes to a group id the kernel could have handed to an unrelated process.
//
// Graceful cancel sends SIGTERM (+ SIGCONT) at once from the caller's thread and arms a deadline; a small watchdog
// thread, started on the first graceful cancel and joined by the destructor, sends SIGKILL when it passes. It is a
// thread of its own (not a poll timeout on the job thread) because the job thread may be blocked in sink.write for as
// long as the host pushes back, and the kill must not wait for that.
#pragma once

#include "process_group.hpp"

#include <chrono>
#include <condition_variable>
#include <hodei/sdk.hpp>
#include <mutex>
#include <optional>
#include <thread>

namespace hodei::shell {

class JobControl {
public:
  JobControl() = default;
  JobControl(const JobControl &) = delete;
  JobControl &operator=(const JobControl &) = delete;
  ~JobControl(); // finishes and joins the watchdog

  // ---- any thread ----

  // Returns at once. Idempotent; a later FORCE escalates a GRACEFUL one, a shorter grace shortens the deadline. No
  // effect once the job has finished.
  void cancel(sdk::CancelMode mode, std::chrono::milliseconds grace);

  // Signals the running step's group. Throws not_found when no step is running.
  void signal(int signo);

  [[nodiscard]] bool cancel_requested() const;

  // While a graceful cancel waits for its grace period: when the watchdog will SIGKILL the group. nullopt otherwise.
  [[nodiscard]] std::optional<std::chrono::steady_clock::time_point> graceful_kill_deadline() const;

  // ---- the job thread ----

  // The sink said the job is being cancelled: start no further step, report "cancelled". Kills nothing: the host
  // drives the kill with its own cancel() and grace period.
  void note_sink_cancelled();

  // The job is over: later cancels are no-ops, the watchdog exits.
  void finish();

  // Publishes `group` for cancel/signal while alive. If a cancel arrived between the caller's last check and the
  // spawn, the group gets that cancel's signal right away.
  class Attachment {
  public:
    Attachment(JobControl &control, ProcessGroup &group);
    Attachment(const Attachment &) = delete;
    Attachment &operator=(const Attachment &) = delete;
    ~Attachment() { detach(); }
    // After this returns no other thread will signal the group: the caller may reap its leader.
    void detach();

  private:
    JobControl *control_;
  };

private:
  void kill_now_locked();
  void start_watchdog_locked();
  void watchdog_loop();

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  ProcessGroup *group_ = nullptr;
  bool cancel_requested_ = false;
  bool term_sent_ = false; // graceful cancel in progress: a newly attached group gets SIGTERM too
  bool forced_ = false;    // kill issued: a newly attached group gets SIGKILL
  bool finished_ = false;
  std::optional<std::chrono::steady_clock::time_point> kill_at_;
  std::thread watchdog_; // last member: started lazily, joined in the destructor
};

} // namespace hodei::shell
