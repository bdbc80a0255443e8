#include "devserver/rpc/stream_mapping.hpp"

#include "devserver/rpc/enum_mapping.hpp"
#include "devserver/rpc/record_mapping.hpp"
#include "protocol/job_spec_mapping.hpp"

namespace hodei::devserver::rpc {
namespace {

void set_lease(v1::JobLease &out, const Lease &lease) {
  out.set_job_id(lease.job_id);
  out.set_lease_epoch(lease.epoch);
}

v1::LogAck log_ack_to_proto(const LogAckOut &ack) {
  v1::LogAck out;
  set_lease(*out.mutable_lease(), ack.lease);
  out.set_stream(to_proto(ack.stream));
  out.set_committed_offset(ack.committed_offset);
  return out;
}

LogStream stream_from_proto(int value, const std::string &field) {
  const auto stream = log_stream_from_proto(value);
  if (!stream) throw MalformedMessage(field + ": expected STDOUT, STDERR or SYSTEM");
  return *stream;
}

// Overload set for std::visit in server_message_to_proto.
struct ToProto {
  v1::ServerMessage &out;

  void operator()(const ResumeAckOut &ack) const {
    v1::ResumeAck &a = *out.mutable_resume_ack();
    for (const ResumeDecisionOut &decision : ack.jobs) {
      v1::ResumeDecision &d = *a.add_jobs();
      set_lease(*d.mutable_lease(), decision.lease);
      d.set_action(to_proto(decision.action));
      for (const LogAckOut &log_ack : decision.log_acks) *d.add_log_acks() = log_ack_to_proto(log_ack);
      d.set_reason(decision.reason);
    }
  }
  void operator()(const AssignmentOut &assignment) const {
    v1::JobAssignment &a = *out.mutable_assignment();
    set_lease(*a.mutable_lease(), assignment.lease);
    *a.mutable_spec() = protocol::to_proto(assignment.spec);
    a.set_assigned_unix_ms(assignment.assigned_unix_ms);
  }
  void operator()(const CancelOut &cancel) const {
    v1::CancelJob &c = *out.mutable_cancel();
    set_lease(*c.mutable_lease(), cancel.lease);
    c.set_reason(cancel.reason);
    c.set_grace_ms(cancel.grace_ms);
  }
  void operator()(const LogAckOut &ack) const { *out.mutable_log_ack() = log_ack_to_proto(ack); }
  void operator()(const ResultAckOut &ack) const { set_lease(*out.mutable_result_ack()->mutable_lease(), ack.lease); }
  void operator()(const DrainOut &drain) const { out.mutable_drain()->set_reason(drain.reason); }
  void operator()(const RefusedOut &refused) const {
    v1::EventRefused &r = *out.mutable_refused();
    set_lease(*r.mutable_lease(), refused.lease);
    r.set_code(to_proto(refused.code));
    r.set_reason(refused.reason);
    r.set_event(refused.event);
  }
};

} // namespace

const char *payload_name(const v1::WorkerMessage &message) {
  switch (message.payload_case()) {
  case v1::WorkerMessage::kHello:
    return "hello";
  case v1::WorkerMessage::kResume:
    return "resume";
  case v1::WorkerMessage::kCredits:
    return "credits";
  case v1::WorkerMessage::kAccept:
    return "accept";
  case v1::WorkerMessage::kReject:
    return "reject";
  case v1::WorkerMessage::kStatus:
    return "status";
  case v1::WorkerMessage::kLog:
    return "log";
  case v1::WorkerMessage::kFinished:
    return "finished";
  case v1::WorkerMessage::kUpdate:
    return "update";
  case v1::WorkerMessage::kBatch:
    return "batch";
  case v1::WorkerMessage::PAYLOAD_NOT_SET:
    break;
  }
  return "none";
}

Lease lease_from_proto(const v1::JobLease &lease, const std::string &field) {
  if (lease.job_id().empty()) throw MalformedMessage(field + ".job_id: expected a job id");
  if (lease.lease_epoch() == 0) throw MalformedMessage(field + ".lease_epoch: expected the assignment's epoch (>= 1)");
  return Lease{lease.job_id(), lease.lease_epoch()};
}

std::vector<ResumedJobIn> resume_from_proto(const v1::Resume &resume) {
  std::vector<ResumedJobIn> jobs;
  for (int i = 0; i < resume.jobs_size(); ++i) {
    const v1::ResumedJob &job = resume.jobs(i);
    const std::string field = "resume.jobs[" + std::to_string(i) + "]";
    ResumedJobIn in;
    in.lease = lease_from_proto(job.lease(), field + ".lease");
    in.phase = phase_from_proto(job.phase()).value_or(Phase::accepted);
    for (const v1::LogStreamLength &have : job.have()) {
      in.have[stream_from_proto(have.stream(), field + ".have.stream")] = have.length();
    }
    in.finished = job.finished();
    jobs.push_back(std::move(in));
  }
  return jobs;
}

RejectIn reject_from_proto(const v1::RejectJob &reject) {
  RejectIn in;
  in.lease = lease_from_proto(reject.lease(), "reject.lease");
  switch (reject.code()) {
  case v1::REJECT_CODE_NO_CAPACITY:
    in.code = "no_capacity";
    break;
  case v1::REJECT_CODE_EXECUTOR_UNAVAILABLE:
    in.code = "executor_unavailable";
    break;
  case v1::REJECT_CODE_INVALID_SPEC:
    in.code = "invalid_spec";
    break;
  case v1::REJECT_CODE_DRAINING:
    in.code = "draining";
    break;
  default:
    in.code = "other";
    break;
  }
  in.reason = reject.reason();
  return in;
}

StatusIn status_from_proto(const v1::JobStatus &status) {
  StatusIn in;
  in.lease = lease_from_proto(status.lease(), "status.lease");
  const auto phase = phase_from_proto(status.phase());
  if (!phase) throw MalformedMessage("status.phase: expected a JobPhase other than UNSPECIFIED");
  in.phase = *phase;
  if (status.has_step_index()) in.step_index = status.step_index();
  if (in.phase == Phase::running && !in.step_index) {
    throw MalformedMessage("status.step_index: expected the running step's index");
  }
  in.step_name = status.step_name();
  in.at_unix_ms = status.timestamp_unix_ms();
  in.message = status.message();
  return in;
}

LogChunkIn log_from_proto(v1::LogChunk &&chunk) {
  LogChunkIn in;
  in.lease = lease_from_proto(chunk.lease(), "log.lease");
  in.stream = stream_from_proto(chunk.stream(), "log.stream");
  in.offset = chunk.offset();
  in.data = std::move(*chunk.mutable_data());
  return in;
}

FinishedIn finished_from_proto(const v1::JobFinished &finished) {
  FinishedIn in;
  in.lease = lease_from_proto(finished.lease(), "finished.lease");
  if (!finished.has_result()) throw MalformedMessage("finished.result: expected the job's result");
  in.result = result_from_proto(finished.result());
  return in;
}

Lease lease_of(const v1::WorkerMessage &message) {
  const v1::JobLease *lease = nullptr;
  switch (message.payload_case()) {
  case v1::WorkerMessage::kAccept:
    lease = &message.accept().lease();
    break;
  case v1::WorkerMessage::kReject:
    lease = &message.reject().lease();
    break;
  case v1::WorkerMessage::kStatus:
    lease = &message.status().lease();
    break;
  case v1::WorkerMessage::kLog:
    lease = &message.log().lease();
    break;
  case v1::WorkerMessage::kFinished:
    lease = &message.finished().lease();
    break;
  default:
    return {};
  }
  return Lease{lease->job_id(), lease->lease_epoch()};
}

v1::ServerMessage server_message_to_proto(const ServerEvent &event) {
  v1::ServerMessage out;
  std::visit(ToProto{out}, event);
  return out;
}

WorkerUpdateIn update_from_proto(const v1::WorkerUpdate &update) {
  WorkerUpdateIn out;
  out.labels = {update.labels().begin(), update.labels().end()};
  out.capacity = update.capacity();
  for (const v1::PluginDescriptor &plugin : update.executors()) out.executors.push_back(plugin_from_proto(plugin));
  for (const v1::PluginDescriptor &plugin : update.artifact_backends()) {
    out.artifact_backends.push_back(plugin_from_proto(plugin));
  }
  return out;
}

} // namespace hodei::devserver::rpc
