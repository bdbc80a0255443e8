// ControlPlane: the job stream's events (resume, credits, accept/reject, status, logs, results) and the scheduler.
#include "devserver/core/control_plane.hpp"
#include "devserver/core/ids.hpp"
#include "devserver/core/matching.hpp"
#include "devserver/core/spec_codec.hpp"
#include "protocol/limits.hpp"

#include <algorithm>
#include <spdlog/spdlog.h>

namespace hodei::devserver {
namespace {

std::string epoch_text(const Lease &lease) { return lease.job_id + "@" + std::to_string(lease.epoch); }

} // namespace

std::variant<StreamId, OpenStreamError> ControlPlane::open_stream(const std::string &worker_id,
                                                                  const std::string &session_id,
                                                                  std::shared_ptr<Outbox> outbox,
                                                                  std::function<void()> cancel) {
  const std::lock_guard lock(mutex_);
  if (stopping_) return OpenStreamError::shutting_down;
  const auto it = workers_.find(worker_id);
  if (it == workers_.end() || it->second.session_id.empty() || it->second.session_id != session_id) {
    return OpenStreamError::unknown_session;
  }
  WorkerState &worker = it->second;
  if (worker.stream) {
    spdlog::info("devserver: worker {} opened a new job stream; the previous one is cancelled", worker_id);
    detach_stream(worker);
  }
  StreamSlot slot;
  slot.id = next_stream_id_++;
  slot.outbox = std::move(outbox);
  slot.cancel = std::move(cancel);
  streams_[slot.id] = worker_id;
  const StreamId id = slot.id;
  worker.stream = std::move(slot);
  worker.stream->outbox->set_barrier([this](uint64_t seq) { return store_.wait_durable(seq); });
  notify_change();
  return id;
}

bool ControlPlane::close_stream(StreamId stream) {
  const std::lock_guard lock(mutex_);
  const auto it = streams_.find(stream);
  if (it == streams_.end()) return false;
  const auto worker = workers_.find(it->second);
  streams_.erase(it);
  if (worker != workers_.end() && worker->second.stream && worker->second.stream->id == stream) {
    worker->second.stream.reset(); // the handler closes the outbox itself, after its last writes
  }
  notify_change();
  return true;
}

ControlPlane::WorkerState *ControlPlane::worker_for_stream(StreamId stream) {
  const auto it = streams_.find(stream);
  if (it == streams_.end()) return nullptr;
  const auto worker = workers_.find(it->second);
  if (worker == workers_.end() || !worker->second.stream || worker->second.stream->id != stream) return nullptr;
  return &worker->second;
}

void ControlPlane::on_malformed(StreamId stream, const std::string &event, const std::string &reason,
                                const Lease &lease) {
  const std::lock_guard lock(mutex_);
  counters_.malformed_messages += 1;
  if (WorkerState *worker = worker_for_stream(stream)) {
    spdlog::warn("devserver: malformed {} from {}: {}", event, worker->record.id, reason);
    push(*worker, RefusedOut{lease, Refusal::malformed, reason, event});
  }
}

void ControlPlane::on_resume(StreamId stream, const std::vector<ResumedJobIn> &jobs) {
  const std::lock_guard lock(mutex_);
  WorkerState *worker = worker_for_stream(stream);
  if (worker == nullptr) return;
  if (worker->stream->resumed) {
    counters_.malformed_messages += 1;
    push(*worker, RefusedOut{{}, Refusal::malformed, "Resume may be sent only once per stream", "resume"});
    return;
  }
  const std::string &worker_id = worker->record.id;
  ResumeAckOut ack;
  std::vector<CancelOut> cancels;
  std::set<std::string> listed;
  for (const ResumedJobIn &held : jobs) {
    ResumeDecisionOut decision;
    decision.lease = held.lease;
    JobRecord *job = find_job(held.lease.job_id);
    if (job == nullptr) {
      counters_.not_leased += 1;
      decision.reason = "unknown job";
    } else if (job->lease_epoch != held.lease.epoch) {
      counters_.stale_epochs += 1;
      decision.reason = "lease epoch " + std::to_string(held.lease.epoch) + " is stale, the current one is " +
                        std::to_string(job->lease_epoch);
    } else if (job->worker_id != worker_id) {
      counters_.not_leased += 1;
      decision.reason = "the job is leased to another worker";
    } else if (is_leased(job->state)) {
      decision.action = ResumeAction::keep_running;
      decision.log_acks = log_acks(held.lease);
      if (job->state == JobState::assigned) {
        // The worker holds it, so it accepted it: its AcceptJob was in flight, or its transition was not durable
        // (see persist()) when this server stopped. Later status events must not be refused as "before AcceptJob".
        transition(*job, JobState::accepted, "accepted by " + worker_id + " (reported on resume)");
        persist(*job);
      }
      if (job->cancel_requested) {
        cancels.push_back(CancelOut{held.lease, job->cancel_reason, job->cancel_grace_ms.value_or(10000)});
      }
    } else if (held.finished && job->result && job->state != JobState::lost) {
      // Both sides have a result for this attempt: the worker's JobFinished was stored (its ResultAck was lost).
      // A worker still running a job the server considers over is told to abandon it instead (below).
      decision.action = ResumeAction::forget;
      decision.reason = "the result is already stored (" + std::string(to_string(job->state)) + ")";
    } else {
      counters_.not_leased += 1;
      decision.reason = "the job is " + std::string(to_string(job->state)) +
                        (job->result && !job->result->message.empty() ? ": " + job->result->message : "");
    }
    if (decision.action != ResumeAction::abandon) listed.insert(held.lease.job_id); // held under the right epoch
    if (decision.action == ResumeAction::abandon) {
      spdlog::info("devserver: worker {} must abandon {}: {}", worker_id, epoch_text(held.lease), decision.reason);
    }
    ack.jobs.push_back(std::move(decision));
  }
  // Jobs leased to this worker that it does not hold: never received (requeue) or lost with the worker's state.
  for (auto &[id, job] : jobs_) {
    if (job.worker_id != worker_id || !is_leased(job.state) || listed.count(id) > 0) continue;
    if (job.state == JobState::assigned) {
      requeue(job, "worker " + worker_id + " reconnected without it (assignment not received); queued again");
    } else {
      mark_lost(job, "worker " + worker_id + " reconnected without it");
    }
  }
  worker->stream->resumed = true;
  push_with_logs(*worker, std::move(ack));
  for (CancelOut &cancel : cancels) push(*worker, std::move(cancel));
  if (worker->draining) push(*worker, DrainOut{"drain requested by an operator"});
  schedule();
  notify_change();
}

void ControlPlane::on_credits(StreamId stream, uint32_t free_slots, uint64_t assignments_received) {
  const std::lock_guard lock(mutex_);
  WorkerState *worker = worker_for_stream(stream);
  if (worker == nullptr) return;
  StreamSlot &slot = *worker->stream;
  if (!slot.resumed) {
    counters_.malformed_messages += 1;
    push(*worker, RefusedOut{{}, Refusal::malformed, "Credits before Resume", "credits"});
    return;
  }
  if (assignments_received > slot.assignments_sent) {
    counters_.malformed_messages += 1;
    push(*worker, RefusedOut{{},
                             Refusal::malformed,
                             "assignments_received " + std::to_string(assignments_received) + " exceeds the " +
                                 std::to_string(slot.assignments_sent) + " assignments sent on this stream",
                             "credits"});
    assignments_received = slot.assignments_sent;
  }
  slot.free_slots = free_slots;
  slot.assignments_received = assignments_received;
  schedule();
  notify_change();
}

void ControlPlane::on_worker_update(StreamId stream, const WorkerUpdateIn &update) {
  const std::lock_guard lock(mutex_);
  WorkerState *worker = worker_for_stream(stream);
  if (worker == nullptr) return;
  const char *problem = update.capacity == 0       ? "capacity must be at least 1"
                        : update.executors.empty() ? "no executor listed: the worker could run no job"
                                                   : nullptr;
  if (problem != nullptr) {
    counters_.malformed_messages += 1;
    push(*worker, RefusedOut{{}, Refusal::malformed, problem, "update"});
    return;
  }
  WorkerRegistration &registration = worker->record.registration;
  registration.labels = update.labels;
  registration.capacity = update.capacity;
  registration.executors = update.executors;
  registration.artifact_backends = update.artifact_backends;
  store_.save_worker(worker->record);
  spdlog::info("devserver: worker {} updated: capacity {}, {} executor(s), {} label(s)", worker->record.id,
               update.capacity, update.executors.size(), update.labels.size());
  schedule(); // a new executor or label may make queued jobs fit
  notify_change();
}

void ControlPlane::on_accept(StreamId stream, const Lease &lease, int64_t at_unix_ms) {
  const std::lock_guard lock(mutex_);
  WorkerState *worker = worker_for_stream(stream);
  if (worker == nullptr || !lease_ok(*worker, lease, "accept")) return;
  JobRecord &job = *find_job(lease.job_id);
  if (job.state != JobState::assigned) return; // repeated AcceptJob (e.g. after a resume): idempotent
  transition(job, JobState::accepted, "accepted by " + worker->record.id, at_unix_ms);
  persist(job);
  notify_change();
}

void ControlPlane::on_reject(StreamId stream, const RejectIn &reject) {
  const std::lock_guard lock(mutex_);
  WorkerState *worker = worker_for_stream(stream);
  if (worker == nullptr || !lease_ok(*worker, reject.lease, "reject")) return;
  JobRecord &job = *find_job(reject.lease.job_id);
  if (job.state != JobState::assigned) {
    counters_.invalid_transitions += 1;
    refuse(*worker, reject.lease, Refusal::invalid_transition,
           "RejectJob after AcceptJob: report the job's end with JobFinished instead", "reject");
    return;
  }
  // A full or draining worker may take the job later; only a lasting reason (no such executor, a spec it cannot run)
  // keeps the job away from this worker for good. Credits bound the retries: a worker that rejects for capacity
  // gets the job again only after it granted a new credit.
  if (reject.code != "no_capacity" && reject.code != "draining") job.rejected_by.push_back(worker->record.id);
  requeue(job, "rejected by " + worker->record.id + " (" + reject.code + "): " + reject.reason);
  spdlog::info("devserver: job {} rejected by {} ({}): {}", job.id, worker->record.id, reject.code, reject.reason);
  schedule();
  notify_change();
}

void ControlPlane::on_status(StreamId stream, const StatusIn &status) {
  const std::lock_guard lock(mutex_);
  WorkerState *worker = worker_for_stream(stream);
  if (worker == nullptr || !lease_ok(*worker, status.lease, "status")) return;
  JobRecord &job = *find_job(status.lease.job_id);
  if (status.phase == Phase::finished) return; // informational: JobFinished carries the end
  if (status.phase == Phase::accepted) {
    if (job.state == JobState::assigned) {
      transition(job, JobState::accepted, "accepted by " + worker->record.id, status.at_unix_ms);
      persist(job);
      notify_change();
    }
    return;
  }
  if (job.state == JobState::assigned) {
    counters_.invalid_transitions += 1;
    refuse(*worker, status.lease, Refusal::invalid_transition, "JobStatus before AcceptJob", "status");
    return;
  }
  JobState state = JobState::preparing;
  std::string message = status.message;
  if (status.phase == Phase::running) {
    state = JobState::running;
    job.current_step = status.step_index;
    if (message.empty()) message = status.step_name;
  } else if (status.phase == Phase::uploading) {
    state = JobState::uploading;
    job.current_step.reset();
  }
  transition(job, state, std::move(message), status.at_unix_ms, status.step_index);
  persist(job);
  notify_change();
}

void ControlPlane::on_log(StreamId stream, const LogChunkIn &chunk) {
  std::shared_ptr<Outbox> outbox;
  {
    const std::lock_guard lock(mutex_);
    WorkerState *worker = worker_for_stream(stream);
    if (worker == nullptr) return;
    if (chunk.data.size() > protocol::kMaxLogChunkBytes) {
      counters_.malformed_messages += 1;
      refuse(*worker, chunk.lease, Refusal::log_chunk_too_large,
             "LogChunk of " + std::to_string(chunk.data.size()) + " bytes exceeds the limit of " +
                 std::to_string(protocol::kMaxLogChunkBytes),
             "log");
      push_with_logs(*worker, LogAckOut{chunk.lease, chunk.stream, logs_.committed(chunk.lease.job_id, chunk.stream)});
      return;
    }
    if (!lease_ok(*worker, chunk.lease, "log")) return;
    outbox = worker->stream->outbox;
  }
  // Outside the mutex: write(2) of a large chunk. Chunks of one stream come from this stream's reader only, in order.
  AppendResult result;
  try {
    result = logs_.append(chunk.lease.job_id, chunk.stream, chunk.offset, chunk.data);
  } catch (const std::exception &e) {
    spdlog::error("devserver: cannot store log of {}: {}", chunk.lease.job_id, e.what());
    outbox->push(LogAckOut{chunk.lease, chunk.stream, logs_.committed(chunk.lease.job_id, chunk.stream)},
                 log_ack_seq());
    return;
  }
  if (result.gap) {
    counters_.log_gaps += 1;
    outbox->push(RefusedOut{chunk.lease, Refusal::log_gap,
                            "LogChunk at offset " + std::to_string(chunk.offset) + " of " +
                                std::string(to_string(chunk.stream)) + " leaves a gap: committed is " +
                                std::to_string(result.committed),
                            "log"});
  }
  if (result.duplicate_bytes > 0) {
    counters_.log_duplicate_resends += 1;
    counters_.log_duplicate_bytes += result.duplicate_bytes;
  }
  if (result.mismatch) {
    counters_.log_overlap_mismatches += 1;
    spdlog::warn("devserver: resent bytes of {} {} differ from the committed ones (kept the committed ones)",
                 chunk.lease.job_id, to_string(chunk.stream));
  }
  counters_.log_bytes_committed += result.appended;
  // Pipelined: the ack leaves (SessionWriter, Outbox barrier) once a commit round fdatasync'ed these bytes, while
  // this thread goes on reading the next chunks.
  outbox->push(LogAckOut{chunk.lease, chunk.stream, result.committed}, log_ack_seq());
  if (result.appended > 0) {
    const std::lock_guard lock(mutex_);
    notify_change();
  }
}

void ControlPlane::on_finished(StreamId stream, const FinishedIn &finished) {
  const std::lock_guard lock(mutex_);
  WorkerState *worker = worker_for_stream(stream);
  if (worker == nullptr) return;
  const Lease &lease = finished.lease;
  JobRecord *job = find_job(lease.job_id);
  if (job != nullptr && job->worker_id == worker->record.id && job->lease_epoch == lease.epoch &&
      is_terminal(job->state) && job->state != JobState::lost && job->result) {
    counters_.duplicate_results += 1; // the ResultAck was lost (reconnect): acknowledge again
    push(*worker, ResultAckOut{lease});
    return;
  }
  if (!lease_ok(*worker, lease, "finished")) return;
  if (finished.result.outcome == Outcome::lost) {
    counters_.malformed_messages += 1;
    refuse(*worker, lease, Refusal::malformed, "outcome LOST is decided by the server only", "finished");
    return;
  }
  bool incomplete = false;
  for (const LogStream log : kAllLogStreams) {
    const auto it = finished.result.log_lengths.find(log);
    const uint64_t expected = it == finished.result.log_lengths.end() ? 0 : it->second;
    const uint64_t committed = logs_.committed(lease.job_id, log);
    if (committed > expected) {
      counters_.malformed_messages += 1;
      refuse(*worker, lease, Refusal::malformed,
             "log_lengths says " + std::to_string(expected) + " bytes of " + std::string(to_string(log)) + " but " +
                 std::to_string(committed) + " are committed",
             "finished");
      return;
    }
    incomplete = incomplete || committed < expected;
  }
  if (incomplete) {
    refuse(*worker, lease, Refusal::logs_incomplete,
           "not every log byte is committed yet: resend from the LogAcks, then JobFinished again", "finished");
    for (LogAckOut &ack : log_acks(lease)) push_with_logs(*worker, std::move(ack));
    return;
  }
  job->result = finished.result;
  job->current_step.reset();
  job->cancel_requested = false;
  const JobState state = state_for(finished.result.outcome);
  transition(*job, state,
             finished.result.message.empty() ? "finished on " + worker->record.id : finished.result.message,
             finished.result.finished_unix_ms);
  persist(*job);
  logs_.release(job->id);
  push(*worker, ResultAckOut{lease});
  spdlog::info("devserver: job {} {} on {}", job->id, to_string(state), worker->record.id);
  notify_change();
}

// --- scheduler (mutex_ held) ---------------------------------------------------------------------------------------

void ControlPlane::schedule() {
  if (stopping_) return;
  // Called on every event: with thousands of jobs queued and every worker busy, it must cost nothing, so it stops
  // as soon as no worker has a credit left (a job no worker fits stays queued and is skipped).
  for (auto it = queue_.begin(); it != queue_.end() && any_credit();) {
    const auto next = std::next(it); // try_assign erases `it` when it assigns the job
    try_assign(jobs_.at(it->second));
    it = next;
  }
}

bool ControlPlane::any_credit() const {
  return std::any_of(workers_.begin(), workers_.end(), [this](const auto &entry) {
    return !entry.second.session_id.empty() && !entry.second.draining && available_credits(entry.second) > 0;
  });
}

std::optional<std::string> ControlPlane::try_assign(JobRecord &job) {
  WorkerState *best = nullptr;
  uint32_t best_credits = 0;
  for (auto &[id, worker] : workers_) {
    if (worker.session_id.empty() || worker.draining) continue;
    const uint32_t credits = available_credits(worker);
    if (credits <= best_credits) continue; // most free credits first; ties: lowest id
    if (!executor_matches(job.executor, worker.record.registration.executors)) continue;
    if (!selector_matches(job.selector, worker.record.registration.labels)) continue;
    if (std::find(job.rejected_by.begin(), job.rejected_by.end(), id) != job.rejected_by.end()) continue;
    best = &worker;
    best_credits = credits;
  }
  if (best == nullptr) return std::nullopt;

  job::JobSpec spec;
  try {
    spec = parse_stored_spec(job.spec_json);
  } catch (const std::exception &e) {
    queue_.erase(job.seq);
    JobResult result;
    result.outcome = Outcome::error;
    result.message = std::string("the stored spec no longer parses: ") + e.what();
    result.finished_unix_ms = now_unix_ms();
    job.result = result;
    transition(job, JobState::error, result.message);
    persist(job);
    return std::nullopt;
  }
  queue_.erase(job.seq);
  job.lease_epoch += 1;
  job.worker_id = best->record.id;
  job.current_step.reset();
  transition(job, JobState::assigned, "assigned to " + best->record.id);
  persist(job); // the assignment below leaves once this record (the new epoch) is durable: Outbox barrier
  best->stream->assignments_sent += 1;
  counters_.assignments += 1;
  push(*best, AssignmentOut{{job.id, job.lease_epoch}, std::move(spec), now_unix_ms()});
  return best->record.id;
}

} // namespace hodei::devserver
