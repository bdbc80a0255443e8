// JobControl: the part of a Docker job the host's threads touch (cancel, signal) and the job thread shares with them
// (the container, whether a step's exec is being started).
//
// Cancel never blocks the caller: it records the request and wakes a small watchdog thread (started on the first
// cancel, joined by the destructor) that talks to the daemon: `kill SIGTERM` at once for a graceful cancel (the
// keeper relays it to the step, see container_spec.hpp), `kill SIGKILL` when the grace period is over or on a force
// cancel (PID 1 dies, and with it every process of the container). No further step starts after a cancel.
//
// One race is closed explicitly: a signal sent while a step's exec is being started could reach the container before
// the step's process exists. The job thread brackets the start with begin_exec()/exec_started() and the watchdog holds
// signals back in between; begin_exec() refuses to start a step once a cancel was requested.
#pragma once

#include "docker_api.hpp"
#include "interrupt.hpp"

#include <chrono>
#include <condition_variable>
#include <hodei/sdk.hpp>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace hodei::docker {

class JobControl {
public:
  JobControl(const DockerApi &api, const sdk::Host &host, std::string job_id);
  JobControl(const JobControl &) = delete;
  JobControl &operator=(const JobControl &) = delete;
  ~JobControl(); // finishes and joins the watchdog

  // ---- any thread ----

  // Returns at once. Idempotent; a later FORCE escalates a GRACEFUL one, a shorter grace shortens the deadline. No
  // effect once the job has finished. Also interrupts a pull in progress.
  void cancel(sdk::CancelMode mode, std::chrono::milliseconds grace);

  // Sends `signo` to the container now (relayed to the step by the keeper). Throws not_found when no container is
  // running, unsupported for a signal the keeper does not relay (SIGKILL is allowed: it ends the container).
  void signal(int signo);

  [[nodiscard]] bool cancel_requested() const;
  // Whether any signal went to the container (cancel or signal()): a step ending with 128+N was then most likely
  // killed by signal N rather than exiting with that code.
  [[nodiscard]] bool signals_sent() const;

  // Triggered by cancel: aborts an image pull.
  Interrupt &pull_interrupt() noexcept { return pull_interrupt_; }

  // ---- the job thread ----

  // The sink said the job is being cancelled: start no further step, report "cancelled". Kills nothing: the host
  // drives the kill with its own cancel() and grace period.
  void note_sink_cancelled();

  // Publishes the container for cancel/signal while alive (RAII). Detach happens before the container is removed.
  class Attachment {
  public:
    Attachment(JobControl &control, const std::string &container_id);
    ~Attachment();
    Attachment(const Attachment &) = delete;
    Attachment &operator=(const Attachment &) = delete;

  private:
    JobControl &control_;
  };

  // Before a step's exec is started: false when a cancel was requested (start nothing). On true, the caller must call
  // exec_started() once the exec runs or failed to start (ExecStartWindow does both).
  bool begin_exec();
  void exec_started();

  // The job is over: later cancels are no-ops, the watchdog exits.
  void finish();

private:
  void start_watchdog_locked();
  void watchdog_loop();
  void deliver(const std::string &container_id, int signo);

  const DockerApi &api_;
  const sdk::Host &host_;
  const std::string job_id_;
  Interrupt pull_interrupt_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::string container_id_; // empty: no container attached
  bool cancel_requested_ = false;
  bool term_requested_ = false;
  bool forced_ = false;
  bool exec_starting_ = false;
  bool signals_sent_ = false;
  bool finished_ = false;
  int pending_signal_ = 0; // for the watchdog to send; 0 = none
  std::optional<std::chrono::steady_clock::time_point> kill_at_;
  std::thread watchdog_; // last member: started lazily, joined in the destructor
};

// begin_exec() / exec_started() as a scope: `if (!window.open()) ...` then the destructor closes it on every path.
class ExecStartWindow {
public:
  explicit ExecStartWindow(JobControl &control) : control_(control), open_(control.begin_exec()) {}
  ~ExecStartWindow() { close(); }
  ExecStartWindow(const ExecStartWindow &) = delete;
  ExecStartWindow &operator=(const ExecStartWindow &) = delete;
  [[nodiscard]] bool open() const noexcept { return open_; }
  void close() {
    if (open_) control_.exec_started();
    open_ = false;
  }

private:
  JobControl &control_;
  bool open_;
};

} // namespace hodei::docker
