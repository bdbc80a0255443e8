// ControlPlane: construction, registration and heartbeats, the admin operations, lease expiry and shutdown.
// The job stream's events and the scheduler are in control_plane_stream.cpp.
#include "devserver/core/control_plane.hpp"

#include "devserver/core/ids.hpp"
#include "devserver/core/matching.hpp"
#include "devserver/core/spec_codec.hpp"
#include "job/job_spec.hpp"
#include "protocol/limits.hpp"

#include <algorithm>
#include <spdlog/spdlog.h>

namespace hodei::devserver {
namespace {

std::string describe_versions(const std::vector<uint32_t> &versions) {
  std::string out = "[";
  for (std::size_t i = 0; i < versions.size(); ++i) out += (i ? ", " : "") + std::to_string(versions[i]);
  return out + "]";
}

} // namespace

ControlPlane::ControlPlane(ControlPlaneOptions options)
    : options_(std::move(options)), logs_(options_.data_dir / "jobs", options_.log_sync),
      store_(options_.data_dir, [this] { logs_.sync_dirty(); }) {
  for (WorkerRecord record : store_.loaded_workers()) {
    WorkerState state;
    state.record = std::move(record);
    workers_.emplace(state.record.id, std::move(state));
  }
  const auto grace_deadline = std::chrono::steady_clock::now() + options_.lease_timeout;
  std::vector<JobRecord> jobs = store_.loaded_jobs();
  std::sort(jobs.begin(), jobs.end(), [](const JobRecord &a, const JobRecord &b) { return a.seq < b.seq; });
  for (JobRecord &record : jobs) {
    next_job_seq_ = std::max(next_job_seq_, record.seq + 1);
    const std::string id = record.id;
    JobRecord &job = jobs_.emplace(id, std::move(record)).first->second;
    if (job.state == JobState::queued) queue_[job.seq] = id;
    if (!is_leased(job.state)) continue;
    const auto holder = workers_.find(job.worker_id);
    if (holder == workers_.end()) {
      mark_lost(job, "its worker " + job.worker_id + " is unknown after a restart");
      continue;
    }
    // The holder gets one lease timeout to re-register and resume before its jobs are marked lost.
    holder->second.lease_deadline = grace_deadline;
  }
  spdlog::info("devserver: loaded {} jobs ({} queued) and {} workers from {}", jobs_.size(), queue_.size(),
               workers_.size(), options_.data_dir.string());
}

ControlPlane::~ControlPlane() = default;

RegisterOutcome ControlPlane::register_worker(const WorkerRegistration &registration) {
  RegisterOutcome outcome = register_locked(registration);
  if (std::holds_alternative<RegisterAccepted>(outcome)) store_.wait_durable(store_.last_queued());
  return outcome;
}

RegisterOutcome ControlPlane::register_locked(const WorkerRegistration &registration) {
  const std::lock_guard lock(mutex_);
  if (stopping_) return RegisterRefused{RegisterRefusalCode::not_allowed, "the server is shutting down"};
  if (registration.name.empty()) return RegisterRefused{RegisterRefusalCode::invalid_request, "worker_name is empty"};
  if (registration.capacity == 0) {
    return RegisterRefused{RegisterRefusalCode::invalid_request, "capacity must be at least 1"};
  }
  if (registration.executors.empty()) {
    return RegisterRefused{RegisterRefusalCode::invalid_request, "no executor loaded: the worker could run no job"};
  }
  uint32_t version = 0;
  for (const uint32_t offered : registration.protocol_versions) {
    if (std::find(protocol::kProtocolVersions.begin(), protocol::kProtocolVersions.end(), offered) !=
        protocol::kProtocolVersions.end()) {
      version = std::max(version, offered);
    }
  }
  if (version == 0) {
    return RegisterRefused{
        RegisterRefusalCode::unsupported_protocol,
        "no common protocol version: the worker speaks " + describe_versions(registration.protocol_versions) +
            ", the server speaks " +
            describe_versions({protocol::kProtocolVersions.begin(), protocol::kProtocolVersions.end()})};
  }

  WorkerState *worker = nullptr;
  if (registration.previous_worker_id) {
    if (const auto it = workers_.find(*registration.previous_worker_id); it != workers_.end()) {
      worker = &it->second;
      if (worker->stream) detach_stream(*worker); // the previous session's stream is superseded
    }
  }
  if (worker == nullptr) {
    const std::string id = "w-" + random_hex(8);
    worker = &workers_[id];
    worker->record.id = id;
  }
  worker->record.registration = registration;
  worker->record.protocol_version = version;
  worker->record.features.clear();
  for (const std::string &feature : registration.features) {
    if (feature == protocol::kFeatureResume || feature == protocol::kFeatureLogAcks ||
        feature == protocol::kFeatureWorkerUpdate || feature == protocol::kFeatureBatch) {
      worker->record.features.push_back(feature);
    }
  }
  worker->record.registered_unix_ms = now_unix_ms();
  worker->session_id = random_hex(16);
  worker->lease_deadline = std::chrono::steady_clock::now() + options_.lease_timeout;
  worker->last_heartbeat_unix_ms = worker->record.registered_unix_ms;
  worker->draining = false;
  store_.save_worker(worker->record); // durable before the reply (register_worker)
  spdlog::info("devserver: worker {} ({}) registered, capacity {}, protocol {}", worker->record.id, registration.name,
               registration.capacity, version);
  notify_change();
  return RegisterAccepted{worker->record.id,       worker->session_id,          version,
                          worker->record.features, options_.heartbeat_interval, options_.lease_timeout};
}

HeartbeatOutcome ControlPlane::heartbeat(const HeartbeatReport &report) {
  const std::lock_guard lock(mutex_);
  const auto it = workers_.find(report.worker_id);
  if (it == workers_.end() || it->second.session_id.empty() || it->second.session_id != report.session_id) {
    return HeartbeatOutcome{HeartbeatStatus::unknown_session, {}};
  }
  WorkerState &worker = it->second;
  worker.lease_deadline = std::chrono::steady_clock::now() + options_.lease_timeout;
  worker.last_heartbeat_unix_ms = now_unix_ms();
  HeartbeatOutcome outcome;
  outcome.status = worker.draining ? HeartbeatStatus::drain : HeartbeatStatus::ok;
  for (const Lease &lease : report.running_jobs) {
    const JobRecord *job = find_job(lease.job_id);
    switch (check_lease(job, worker.record.id, lease.epoch)) {
    case LeaseCheck::ok:
      break;
    case LeaseCheck::unknown_job:
      outcome.revoked.push_back({lease, "job unknown"});
      break;
    case LeaseCheck::stale_epoch:
      outcome.revoked.push_back({lease, "lease epoch " + std::to_string(lease.epoch) +
                                            " is stale, the current one is " + std::to_string(job->lease_epoch)});
      break;
    case LeaseCheck::not_leased:
      outcome.revoked.push_back({lease, "job is " + std::string(to_string(job->state)) +
                                            (job->worker_id == worker.record.id ? "" : " on another worker")});
      break;
    }
  }
  return outcome;
}

std::optional<uint32_t> ControlPlane::deregister(const std::string &worker_id, const std::string &session_id,
                                                 const std::string &reason) {
  const std::optional<uint32_t> lost = deregister_locked(worker_id, session_id, reason);
  store_.wait_durable(store_.last_queued());
  return lost;
}

std::optional<uint32_t> ControlPlane::deregister_locked(const std::string &worker_id, const std::string &session_id,
                                                        const std::string &reason) {
  const std::lock_guard lock(mutex_);
  const auto it = workers_.find(worker_id);
  if (it == workers_.end() || it->second.session_id.empty() || it->second.session_id != session_id) {
    return std::nullopt;
  }
  spdlog::info("devserver: worker {} deregistered ({})", worker_id, reason);
  uint32_t lost = 0;
  for (auto &[id, job] : jobs_) {
    if (job.worker_id == worker_id && is_leased(job.state) && job.state != JobState::assigned) ++lost;
  }
  end_session(it->second, "worker " + worker_id + " deregistered" + (reason.empty() ? "" : ": " + reason));
  return lost;
}

std::string ControlPlane::submit(const std::string &spec_json, const std::map<std::string, std::string> &selector) {
  std::set<std::string> executors;
  {
    const std::lock_guard lock(mutex_);
    executors = known_executor_names();
  }
  job::JobSpec spec;
  try {
    spec = parse_submitted_spec(spec_json, executors);
  } catch (const job::SpecError &e) {
    throw InvalidSubmission(e.what());
  }
  std::unique_lock lock(mutex_);
  const uint64_t seq = next_job_seq_++;
  std::string id = "job-" + std::to_string(seq);
  JobRecord &job = jobs_[id];
  job.id = id;
  job.seq = seq;
  job.name = spec.name;
  job.executor = spec.executor;
  job.spec_json = spec_json;
  job.selector = selector;
  job.submitted_unix_ms = now_unix_ms();
  transition(job, JobState::queued, "submitted");
  persist(job);
  queue_[seq] = id;
  spdlog::info("devserver: job {} ({}) submitted, executor {}", id, job.name, job.executor);
  schedule();
  notify_change();
  const uint64_t durable_seq = store_.last_queued();
  lock.unlock();
  store_.wait_durable(durable_seq); // the reply promises the job survives
  return id;
}

std::optional<JobRecord> ControlPlane::get_job(const std::string &job_id) const {
  std::optional<JobRecord> job;
  uint64_t durable_seq = 0;
  {
    const std::lock_guard lock(mutex_);
    const auto it = jobs_.find(job_id);
    if (it == jobs_.end()) return std::nullopt;
    job = it->second;
    durable_seq = last_terminal_seq_;
  }
  store_.wait_durable(durable_seq); // a reader never sees a job over (a result) that a crash could take back
  return job;
}

std::vector<JobRecord> ControlPlane::list_jobs() const {
  std::vector<JobRecord> jobs;
  uint64_t durable_seq = 0;
  {
    const std::lock_guard lock(mutex_);
    jobs.reserve(jobs_.size());
    for (const auto &[id, job] : jobs_) jobs.push_back(job);
    durable_seq = last_terminal_seq_;
  }
  store_.wait_durable(durable_seq);
  std::sort(jobs.begin(), jobs.end(), [](const JobRecord &a, const JobRecord &b) { return a.seq < b.seq; });
  return jobs;
}

bool ControlPlane::has_feature(const std::string &worker_id, std::string_view feature) const {
  const std::lock_guard lock(mutex_);
  const auto it = workers_.find(worker_id);
  if (it == workers_.end()) return false;
  const std::vector<std::string> &features = it->second.record.features;
  return std::find(features.begin(), features.end(), feature) != features.end();
}

std::vector<WorkerView> ControlPlane::list_workers() const {
  const std::lock_guard lock(mutex_);
  std::vector<WorkerView> views;
  for (const auto &[id, worker] : workers_) {
    WorkerView view;
    view.record = worker.record;
    view.session_alive = !worker.session_id.empty();
    view.stream_connected = worker.stream.has_value();
    view.available_credits = available_credits(worker);
    view.draining = worker.draining;
    view.last_heartbeat_unix_ms = worker.last_heartbeat_unix_ms;
    for (const auto &[job_id, job] : jobs_) {
      if (job.worker_id == id && is_leased(job.state)) view.jobs.push_back({job_id, job.lease_epoch});
    }
    views.push_back(std::move(view));
  }
  return views;
}

CancelResult ControlPlane::cancel(const std::string &job_id, const std::string &reason,
                                  std::optional<uint64_t> grace_ms) {
  const CancelResult result = cancel_locked(job_id, reason, grace_ms);
  store_.wait_durable(store_.last_queued()); // the reply promises the cancellation survives
  return result;
}

CancelResult ControlPlane::cancel_locked(const std::string &job_id, const std::string &reason,
                                         std::optional<uint64_t> grace_ms) {
  const std::lock_guard lock(mutex_);
  JobRecord *job = find_job(job_id);
  if (job == nullptr) return {CancelOutcome::not_found, JobState::queued};
  if (is_terminal(job->state)) return {CancelOutcome::already_over, job->state};
  const std::string why = reason.empty() ? "cancelled by an operator" : reason;
  if (!grace_ms) {
    grace_ms = 10000;
    try {
      grace_ms = static_cast<uint64_t>(parse_stored_spec(job->spec_json).cancel_grace.count());
    } catch (const std::exception &) { // validated at submission; keep the default if the parser changed since
    }
  }
  const Lease lease{job->id, job->lease_epoch};
  WorkerState *holder = nullptr;
  if (const auto it = workers_.find(job->worker_id); it != workers_.end()) holder = &it->second;

  if (job->state == JobState::queued || job->state == JobState::assigned) {
    // Nothing ran yet: the job is over now. A worker that got the assignment is told to drop it; its AcceptJob
    // will be refused (NOT_LEASED).
    const bool was_assigned = job->state == JobState::assigned;
    queue_.erase(job->seq);
    JobResult result;
    result.outcome = Outcome::cancelled;
    result.message = why;
    result.finished_unix_ms = now_unix_ms();
    job->result = result;
    job->cancel_reason = why;
    transition(*job, JobState::cancelled, "cancelled before it started: " + why);
    persist(*job);
    if (was_assigned && holder != nullptr && holder->stream) push(*holder, CancelOut{lease, why, *grace_ms});
    notify_change();
    return {CancelOutcome::cancelled, job->state};
  }
  job->cancel_requested = true;
  job->cancel_reason = why;
  job->cancel_grace_ms = grace_ms;
  job->updated_unix_ms = now_unix_ms();
  persist(*job);
  if (holder != nullptr && holder->stream) push(*holder, CancelOut{lease, why, *grace_ms});
  notify_change();
  return {CancelOutcome::requested, job->state};
}

bool ControlPlane::drain(const std::string &worker_id, const std::string &reason) {
  const std::lock_guard lock(mutex_);
  const auto it = workers_.find(worker_id);
  if (it == workers_.end()) return false;
  it->second.draining = true;
  if (it->second.stream) push(it->second, DrainOut{reason.empty() ? "drain requested by an operator" : reason});
  notify_change();
  return true;
}

uint64_t ControlPlane::log_committed(const std::string &job_id, LogStream stream) const {
  return logs_.committed(job_id, stream);
}

std::string ControlPlane::read_log(const std::string &job_id, LogStream stream, uint64_t offset,
                                   std::size_t max_bytes) const {
  return logs_.read(job_id, stream, offset, max_bytes);
}

uint64_t ControlPlane::generation() const {
  const std::lock_guard lock(mutex_);
  return generation_;
}

void ControlPlane::wait_for_change(uint64_t seen, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return generation_ != seen || stopping_; });
}

void ControlPlane::expire_leases() {
  const std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  for (auto &[id, worker] : workers_) {
    if (!worker.lease_deadline || now < *worker.lease_deadline) continue;
    spdlog::warn("devserver: worker {} missed its lease ({} ms without heartbeat)", id, options_.lease_timeout.count());
    end_session(worker, "worker " + id + " sent no heartbeat within the lease timeout (" +
                            std::to_string(options_.lease_timeout.count()) + " ms)");
  }
}

void ControlPlane::begin_shutdown() {
  const std::lock_guard lock(mutex_);
  stopping_ = true;
  for (auto &[id, worker] : workers_) {
    if (worker.stream) detach_stream(worker);
  }
  notify_change();
}

bool ControlPlane::stopping() const {
  const std::lock_guard lock(mutex_);
  return stopping_;
}

// --- helpers (mutex_ held) ---------------------------------------------------------------------------------------

JobRecord *ControlPlane::find_job(const std::string &job_id) {
  const auto it = jobs_.find(job_id);
  return it == jobs_.end() ? nullptr : &it->second;
}

ControlPlane::LeaseCheck ControlPlane::check_lease(const JobRecord *job, const std::string &worker_id,
                                                   uint64_t epoch) const {
  if (job == nullptr) return LeaseCheck::unknown_job;
  if (job->lease_epoch != epoch) return LeaseCheck::stale_epoch;
  if (job->worker_id != worker_id || !is_leased(job->state)) return LeaseCheck::not_leased;
  return LeaseCheck::ok;
}

void ControlPlane::transition(JobRecord &job, JobState state, std::string message, int64_t at_unix_ms,
                              std::optional<uint32_t> step) {
  const int64_t now = now_unix_ms();
  job.state = state;
  job.updated_unix_ms = now;
  job.history.push_back(
      Transition{state, at_unix_ms > 0 ? at_unix_ms : now, job.lease_epoch, step, std::move(message)});
}

uint64_t ControlPlane::persist(const JobRecord &job) {
  const uint64_t seq = store_.save_job(job);
  if (is_terminal(job.state)) last_terminal_seq_ = seq;
  return seq;
}

void ControlPlane::requeue(JobRecord &job, const std::string &why) {
  job.worker_id.clear();
  job.current_step.reset();
  transition(job, JobState::queued, why);
  persist(job);
  queue_[job.seq] = job.id;
}

void ControlPlane::mark_lost(JobRecord &job, const std::string &why) {
  JobResult result;
  result.outcome = Outcome::lost;
  result.message = why;
  result.finished_unix_ms = now_unix_ms();
  for (const LogStream stream : kAllLogStreams) {
    if (const uint64_t committed = logs_.committed(job.id, stream); committed > 0) {
      result.log_lengths[stream] = committed;
    }
  }
  job.result = std::move(result);
  job.current_step.reset();
  job.cancel_requested = false;
  transition(job, JobState::lost, why);
  persist(job);
  logs_.release(job.id);
  counters_.jobs_lost += 1;
  spdlog::warn("devserver: job {} lost: {}", job.id, why);
}

void ControlPlane::end_session(WorkerState &worker, const std::string &why) {
  if (worker.stream) detach_stream(worker);
  worker.session_id.clear();
  worker.lease_deadline.reset();
  worker.draining = false;
  for (auto &[id, job] : jobs_) {
    if (job.worker_id != worker.record.id || !is_leased(job.state)) continue;
    if (job.state == JobState::assigned) {
      requeue(job, why + "; it had not accepted the job, which is queued again");
    } else {
      mark_lost(job, why);
    }
  }
  schedule();
  notify_change();
}

void ControlPlane::detach_stream(WorkerState &worker) {
  StreamSlot &slot = *worker.stream;
  streams_.erase(slot.id);
  slot.outbox->abandon();
  if (slot.cancel) slot.cancel();
  worker.stream.reset();
}

void ControlPlane::push(WorkerState &worker, ServerEvent event) {
  if (worker.stream) worker.stream->outbox->push(std::move(event), store_.last_queued());
}

void ControlPlane::push_with_logs(WorkerState &worker, ServerEvent event) {
  if (worker.stream) worker.stream->outbox->push(std::move(event), log_ack_seq());
}

uint64_t ControlPlane::log_ack_seq() {
  // With --log-sync fsync the offset is acknowledged after a commit round that starts now: its LogStore::sync_dirty
  // covers every byte written so far. With os, after what is persisted so far (keeps events in order anyway).
  return options_.log_sync == LogSync::fsync ? store_.sync_point() : store_.last_queued();
}

void ControlPlane::refuse(WorkerState &worker, const Lease &lease, Refusal code, std::string reason,
                          const char *event) {
  spdlog::debug("devserver: refused {} from {} for {}@{}: {}", event, worker.record.id, lease.job_id, lease.epoch,
                reason);
  push(worker, RefusedOut{lease, code, std::move(reason), event});
}

bool ControlPlane::lease_ok(WorkerState &worker, const Lease &lease, const char *event) {
  const JobRecord *job = find_job(lease.job_id);
  switch (check_lease(job, worker.record.id, lease.epoch)) {
  case LeaseCheck::ok:
    return true;
  case LeaseCheck::unknown_job:
    counters_.not_leased += 1;
    refuse(worker, lease, Refusal::not_leased, "unknown job " + lease.job_id, event);
    return false;
  case LeaseCheck::stale_epoch:
    counters_.stale_epochs += 1;
    refuse(worker, lease, Refusal::stale_epoch,
           "lease epoch " + std::to_string(lease.epoch) + " of " + lease.job_id + " is stale: the current one is " +
               std::to_string(job->lease_epoch),
           event);
    return false;
  case LeaseCheck::not_leased:
    counters_.not_leased += 1;
    refuse(worker, lease, Refusal::not_leased,
           lease.job_id + " is not leased to " + worker.record.id + " (it is " + std::string(to_string(job->state)) +
               ")",
           event);
    return false;
  }
  return false;
}

uint32_t ControlPlane::available_credits(const WorkerState &worker) const {
  if (!worker.stream || !worker.stream->resumed) return 0;
  const StreamSlot &slot = *worker.stream;
  const uint64_t in_flight = slot.assignments_sent - std::min(slot.assignments_received, slot.assignments_sent);
  return slot.free_slots > in_flight ? static_cast<uint32_t>(slot.free_slots - in_flight) : 0;
}

std::set<std::string> ControlPlane::known_executor_names() const {
  std::set<std::string> names;
  for (const auto &[id, worker] : workers_) {
    for (const PluginRecord &plugin : worker.record.registration.executors) {
      names.insert(plugin.short_name.empty() ? short_name_of(plugin.id) : plugin.short_name);
    }
  }
  return names;
}

std::vector<LogAckOut> ControlPlane::log_acks(const Lease &lease) const {
  std::vector<LogAckOut> acks;
  acks.reserve(kAllLogStreams.size());
  for (const LogStream stream : kAllLogStreams) {
    acks.push_back(LogAckOut{lease, stream, logs_.committed(lease.job_id, stream)});
  }
  return acks;
}

void ControlPlane::notify_change() {
  ++generation_;
  changed_.notify_all();
}

} // namespace hodei::devserver
