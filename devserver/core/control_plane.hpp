// The devserver's core: workers, sessions, the job queue, leases and fencing, logs and results. Plain C++ (no
// protobuf): the gRPC services in rpc/ map messages to these calls and ServerEvents back to messages.
//
// Thread safety: every public function may be called from any thread. One mutex guards the state (jobs, workers,
// streams). Under it, a state change is only queued to the state journal (persist(): serialize + append, no I/O);
// whoever is told about it waits for its sequence number to be durable OUTSIDE the mutex: events pushed to a
// worker's Outbox carry the number (the stream's writer waits before writing them), admin replies (submit, cancel,
// register) wait after the mutex is released. One committer thread fdatasyncs the journal once per batch (group
// commit) and, before that, the log files written since the last round. Log bytes are appended outside the mutex
// with write(2) only (LogStore locks per file); their LogAck waits for the next commit round (--log-sync fsync).
//
// Invariants:
//   - a job in a leased state has worker_id set and lease_epoch >= 1; every assignment increments lease_epoch;
//   - an event is applied only if it names the job's current epoch, comes from the holder, and the job is leased
//     (otherwise refused with STALE_EPOCH / NOT_LEASED and counted);
//   - a stream never has more assignments in flight than the worker's last Credits allowed.
#pragma once

#include "devserver/core/job_record.hpp"
#include "devserver/core/log_store.hpp"
#include "devserver/core/outbox.hpp"
#include "devserver/core/protocol_counters.hpp"
#include "devserver/core/session_messages.hpp"
#include "devserver/core/state_store.hpp"
#include "devserver/core/worker_record.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hodei::devserver {

struct ControlPlaneOptions {
  std::filesystem::path data_dir;
  std::chrono::milliseconds lease_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds heartbeat_interval{std::chrono::seconds(10)};
  LogSync log_sync = LogSync::fsync;
  std::string server_version;
};

// --- registration and heartbeats ---------------------------------------------------------------------------------

struct RegisterAccepted {
  std::string worker_id;
  std::string session_id;
  uint32_t protocol_version = 0;
  std::vector<std::string> features;
  std::chrono::milliseconds heartbeat_interval{0};
  std::chrono::milliseconds lease_timeout{0};
};

enum class RegisterRefusalCode { unsupported_protocol, invalid_request, not_allowed };

struct RegisterRefused {
  RegisterRefusalCode code = RegisterRefusalCode::invalid_request;
  std::string reason;
};

using RegisterOutcome = std::variant<RegisterAccepted, RegisterRefused>;

struct HeartbeatReport {
  std::string worker_id;
  std::string session_id;
  std::vector<Lease> running_jobs;
  uint32_t free_slots = 0;
};

enum class HeartbeatStatus { ok, drain, unknown_session };

struct RevokedLease {
  Lease lease;
  std::string reason;
};

struct HeartbeatOutcome {
  HeartbeatStatus status = HeartbeatStatus::ok;
  std::vector<RevokedLease> revoked;
};

// --- streams -----------------------------------------------------------------------------------------------------

using StreamId = uint64_t;

enum class OpenStreamError { unknown_session, shutting_down };

// --- admin -------------------------------------------------------------------------------------------------------

// SubmitJob refused: the spec does not parse (what() names the JSON path).
class InvalidSubmission : public std::invalid_argument {
public:
  using std::invalid_argument::invalid_argument;
};

// The admin view of a worker.
struct WorkerView {
  WorkerRecord record;
  bool session_alive = false;
  bool stream_connected = false;
  uint32_t available_credits = 0;
  std::vector<Lease> jobs;
  bool draining = false;
  int64_t last_heartbeat_unix_ms = 0;
};

enum class CancelOutcome { cancelled, requested, not_found, already_over };

struct CancelResult {
  CancelOutcome outcome = CancelOutcome::not_found;
  JobState state = JobState::queued;
};

class ControlPlane {
public:
  // Loads the data folder (jobs, workers; committed log offsets are the files' sizes). Workers holding leased jobs
  // get one lease timeout from now to re-register and resume before their jobs are marked lost.
  // Throws RecordFormatError / std::system_error when the data folder cannot be read.
  explicit ControlPlane(ControlPlaneOptions options);
  ~ControlPlane();
  ControlPlane(const ControlPlane &) = delete;
  ControlPlane &operator=(const ControlPlane &) = delete;

  // WorkerManagementService
  RegisterOutcome register_worker(const WorkerRegistration &registration);
  HeartbeatOutcome heartbeat(const HeartbeatReport &report);
  // Jobs still leased are requeued (not accepted yet) or marked lost; returns how many were lost, nullopt when the
  // session is unknown.
  std::optional<uint32_t> deregister(const std::string &worker_id, const std::string &session_id,
                                     const std::string &reason);

  // JobExecutorService.Connect. `cancel` aborts the gRPC call (ServerContext::TryCancel); it is called with the
  // control plane's mutex held, only until close_stream(id) returns.
  std::variant<StreamId, OpenStreamError> open_stream(const std::string &worker_id, const std::string &session_id,
                                                      std::shared_ptr<Outbox> outbox, std::function<void()> cancel);
  // Detaches the stream. Returns true when it was still the worker's current stream (not replaced, expired or
  // shut down), i.e. when its end was the peer's doing.
  bool close_stream(StreamId stream);
  void on_resume(StreamId stream, const std::vector<ResumedJobIn> &jobs);
  void on_credits(StreamId stream, uint32_t free_slots, uint64_t assignments_received);
  void on_accept(StreamId stream, const Lease &lease, int64_t at_unix_ms);
  void on_reject(StreamId stream, const RejectIn &reject);
  void on_status(StreamId stream, const StatusIn &status);
  void on_log(StreamId stream, const LogChunkIn &chunk);
  void on_finished(StreamId stream, const FinishedIn &finished);
  // Replaces the labels, capacity and plugins of the worker's registration (persisted) and schedules again.
  void on_worker_update(StreamId stream, const WorkerUpdateIn &update);
  // A message the edge could not map (missing field, unknown enum, wrong order): counted and refused.
  void on_malformed(StreamId stream, const std::string &event, const std::string &reason, const Lease &lease);

  // AdminService
  std::string submit(const std::string &spec_json, const std::map<std::string, std::string> &selector);
  // A job shown over (its result) is durable: reads wait (outside the mutex) for the journal to hold every terminal
  // state queued so far. Status transitions may show before they are durable (a crash may take them back).
  [[nodiscard]] std::optional<JobRecord> get_job(const std::string &job_id) const;
  [[nodiscard]] std::vector<JobRecord> list_jobs() const; // by submission order
  [[nodiscard]] std::vector<WorkerView> list_workers() const;
  // Whether the worker was granted the optional protocol feature at its last registration.
  [[nodiscard]] bool has_feature(const std::string &worker_id, std::string_view feature) const;
  CancelResult cancel(const std::string &job_id, const std::string &reason, std::optional<uint64_t> grace_ms);
  bool drain(const std::string &worker_id, const std::string &reason); // false: unknown worker
  [[nodiscard]] CountersSnapshot stats() const { return counters_.snapshot(); }
  [[nodiscard]] ProtocolCounters &counters() { return counters_; }
  [[nodiscard]] uint64_t log_committed(const std::string &job_id, LogStream stream) const;
  // Log bytes known to be on disk (LogStore::synced): no LogAck sent exceeds it under LogSync::fsync.
  [[nodiscard]] uint64_t log_synced(const std::string &job_id, LogStream stream) const {
    return logs_.synced(job_id, stream);
  }
  [[nodiscard]] std::string read_log(const std::string &job_id, LogStream stream, uint64_t offset,
                                     std::size_t max_bytes) const;

  // Change notification for followers: a generation that increases on every job state change and log append.
  [[nodiscard]] uint64_t generation() const;
  // Waits until generation() != seen, the timeout passes, or shutdown begins.
  void wait_for_change(uint64_t seen, std::chrono::milliseconds timeout) const;

  // Lease reaper: marks the jobs of workers silent past the lease timeout lost and forgets their sessions.
  void expire_leases();

  // First step of shutdown: refuse new sessions and streams, cancel every open job stream, wake followers.
  void begin_shutdown();
  [[nodiscard]] bool stopping() const;

  [[nodiscard]] const ControlPlaneOptions &options() const noexcept { return options_; }

private:
  struct StreamSlot {
    StreamId id = 0;
    std::shared_ptr<Outbox> outbox;
    std::function<void()> cancel;
    bool resumed = false;
    uint32_t free_slots = 0;
    uint64_t assignments_received = 0;
    uint64_t assignments_sent = 0;
  };
  struct WorkerState {
    WorkerRecord record;
    std::string session_id; // empty: no live session
    std::optional<std::chrono::steady_clock::time_point> lease_deadline;
    int64_t last_heartbeat_unix_ms = 0;
    bool draining = false;
    std::optional<StreamSlot> stream;
  };
  enum class LeaseCheck { ok, unknown_job, stale_epoch, not_leased };

  // The admin calls' work under the mutex; the public ones then wait for durability without it.
  RegisterOutcome register_locked(const WorkerRegistration &registration);
  std::optional<uint32_t> deregister_locked(const std::string &worker_id, const std::string &session_id,
                                            const std::string &reason);
  CancelResult cancel_locked(const std::string &job_id, const std::string &reason, std::optional<uint64_t> grace_ms);

  // Everything below expects mutex_ held.
  WorkerState *worker_for_stream(StreamId stream);
  JobRecord *find_job(const std::string &job_id);
  LeaseCheck check_lease(const JobRecord *job, const std::string &worker_id, uint64_t epoch) const;
  // Counts and refuses an event whose lease check failed; returns false then.
  bool lease_ok(WorkerState &worker, const Lease &lease, const char *event);
  void refuse(WorkerState &worker, const Lease &lease, Refusal code, std::string reason, const char *event);
  // Queues an event for the worker's stream, to leave once everything persisted so far is durable.
  void push(WorkerState &worker, ServerEvent event);
  // The same for an event that reports log offsets (LogAck, ResumeAck): also waits for the log files' fdatasync.
  void push_with_logs(WorkerState &worker, ServerEvent event);
  [[nodiscard]] uint64_t log_ack_seq();    // the sequence number a log offset acknowledged now must wait for
  void detach_stream(WorkerState &worker); // closes the outbox and cancels the call
  void transition(JobRecord &job, JobState state, std::string message, int64_t at_unix_ms = 0,
                  std::optional<uint32_t> step = std::nullopt);
  // Queues the record in the state journal; returns its sequence number. Nothing waits here: what is promised to
  // someone (submission, lease epoch, result, cancel) waits for durability before the promise leaves (push(),
  // the admin calls); status transitions nobody waits for may be lost by a crash (the worker reports them again).
  uint64_t persist(const JobRecord &job);
  void requeue(JobRecord &job, const std::string &why);
  void mark_lost(JobRecord &job, const std::string &why);
  void end_session(WorkerState &worker, const std::string &why); // leased jobs: requeue or lost
  void schedule();
  std::optional<std::string> try_assign(JobRecord &job); // nullopt when no worker fits; else the worker id
  [[nodiscard]] uint32_t available_credits(const WorkerState &worker) const;
  [[nodiscard]] bool any_credit() const; // some live, not draining worker can take an assignment
  [[nodiscard]] std::set<std::string> known_executor_names() const;
  [[nodiscard]] std::vector<LogAckOut> log_acks(const Lease &lease) const;
  void notify_change();

  ControlPlaneOptions options_;
  LogStore logs_;
  StateStore store_; // after logs_: its committer syncs logs_, and is stopped first
  ProtocolCounters counters_;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  uint64_t generation_ = 0;
  bool stopping_ = false;
  uint64_t next_job_seq_ = 1;
  uint64_t last_terminal_seq_ = 0; // journal sequence number of the last terminal state persisted
  StreamId next_stream_id_ = 1;
  std::map<std::string, JobRecord> jobs_;      // by id
  std::map<uint64_t, std::string> queue_;      // queued jobs: seq -> id (served in submission order)
  std::map<std::string, WorkerState> workers_; // by id
  std::map<StreamId, std::string> streams_;    // open streams -> worker id
};

} // namespace hodei::devserver
