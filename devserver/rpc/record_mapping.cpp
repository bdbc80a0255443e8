#include "devserver/rpc/record_mapping.hpp"

#include "devserver/rpc/enum_mapping.hpp"
#include "protocol/limits.hpp"

#include <variant>

namespace hodei::devserver::rpc {
namespace {

v1::RegisterRefusalCode refusal_code_to_proto(RegisterRefusalCode code) {
  switch (code) {
  case RegisterRefusalCode::unsupported_protocol:
    return v1::REGISTER_REFUSAL_CODE_UNSUPPORTED_PROTOCOL;
  case RegisterRefusalCode::invalid_request:
    return v1::REGISTER_REFUSAL_CODE_INVALID_REQUEST;
  case RegisterRefusalCode::not_allowed:
    return v1::REGISTER_REFUSAL_CODE_NOT_ALLOWED;
  }
  return v1::REGISTER_REFUSAL_CODE_UNSPECIFIED;
}

v1::HeartbeatStatus heartbeat_status_to_proto(HeartbeatStatus status) {
  switch (status) {
  case HeartbeatStatus::ok:
    return v1::HEARTBEAT_STATUS_OK;
  case HeartbeatStatus::drain:
    return v1::HEARTBEAT_STATUS_DRAIN;
  case HeartbeatStatus::unknown_session:
    return v1::HEARTBEAT_STATUS_UNKNOWN_SESSION;
  }
  return v1::HEARTBEAT_STATUS_UNSPECIFIED;
}

} // namespace

PluginRecord plugin_from_proto(const v1::PluginDescriptor &plugin) {
  PluginRecord out;
  out.id = plugin.id();
  out.short_name = plugin.short_name();
  out.version = plugin.version();
  out.capabilities = plugin.capabilities();
  out.uri_schemes.assign(plugin.uri_schemes().begin(), plugin.uri_schemes().end());
  out.fingerprint_json = plugin.fingerprint_json();
  out.abi_version = plugin.abi_version();
  return out;
}

v1::JobResult result_to_proto(const JobResult &result) {
  v1::JobResult out;
  out.set_outcome(to_proto(result.outcome));
  if (result.exit_code) out.set_exit_code(*result.exit_code);
  if (result.signal) out.set_signal(*result.signal);
  for (const StepResult &step : result.steps) {
    v1::StepResult &s = *out.add_steps();
    s.set_index(step.index);
    s.set_name(step.name);
    s.set_outcome(to_proto(step.outcome));
    if (step.exit_code) s.set_exit_code(*step.exit_code);
    if (step.signal) s.set_signal(*step.signal);
    s.set_started_unix_ms(step.started_unix_ms);
    s.set_duration_ms(step.duration_ms);
    s.set_oom_killed(step.oom_killed);
  }
  for (const ArtifactResult &artifact : result.artifacts) {
    v1::ArtifactResult &a = *out.add_artifacts();
    a.set_direction(artifact.output ? v1::ARTIFACT_DIRECTION_OUTPUT : v1::ARTIFACT_DIRECTION_INPUT);
    a.set_path(artifact.path);
    a.set_uri(artifact.uri);
    a.set_size_bytes(artifact.size_bytes);
    a.set_sha256(artifact.sha256);
  }
  out.set_message(result.message);
  out.set_started_unix_ms(result.started_unix_ms);
  out.set_finished_unix_ms(result.finished_unix_ms);
  for (const auto &[stream, length] : result.log_lengths) {
    v1::LogStreamLength &l = *out.add_log_lengths();
    l.set_stream(to_proto(stream));
    l.set_length(length);
  }
  return out;
}

JobResult result_from_proto(const v1::JobResult &result) {
  JobResult out;
  const auto outcome = outcome_from_proto(result.outcome());
  if (!outcome) throw MalformedMessage("result.outcome: expected a JobOutcome other than UNSPECIFIED");
  out.outcome = *outcome;
  if (result.has_exit_code()) out.exit_code = result.exit_code();
  if (result.has_signal()) out.signal = result.signal();
  for (int i = 0; i < result.steps_size(); ++i) {
    const v1::StepResult &s = result.steps(i);
    StepResult step;
    step.index = s.index();
    step.name = s.name();
    const auto step_outcome = step_outcome_from_proto(s.outcome());
    if (!step_outcome) {
      throw MalformedMessage("result.steps[" + std::to_string(i) + "].outcome: expected a StepOutcome");
    }
    step.outcome = *step_outcome;
    if (s.has_exit_code()) step.exit_code = s.exit_code();
    if (s.has_signal()) step.signal = s.signal();
    step.started_unix_ms = s.started_unix_ms();
    step.duration_ms = s.duration_ms();
    step.oom_killed = s.oom_killed();
    out.steps.push_back(std::move(step));
  }
  for (const v1::ArtifactResult &a : result.artifacts()) {
    out.artifacts.push_back(
        ArtifactResult{a.direction() == v1::ARTIFACT_DIRECTION_OUTPUT, a.path(), a.uri(), a.size_bytes(), a.sha256()});
  }
  out.message = result.message();
  out.started_unix_ms = result.started_unix_ms();
  out.finished_unix_ms = result.finished_unix_ms();
  for (const v1::LogStreamLength &l : result.log_lengths()) {
    const auto stream = log_stream_from_proto(l.stream());
    if (!stream) throw MalformedMessage("result.log_lengths.stream: expected STDOUT, STDERR or SYSTEM");
    if (out.log_lengths.count(*stream) > 0) throw MalformedMessage("result.log_lengths: a stream is listed twice");
    out.log_lengths[*stream] = l.length();
  }
  return out;
}

WorkerRegistration registration_from_proto(const v1::RegisterRequest &request) {
  WorkerRegistration out;
  out.name = request.worker_name();
  out.version = request.worker_version();
  out.protocol_versions.assign(request.protocol_versions().begin(), request.protocol_versions().end());
  out.features.assign(request.features().begin(), request.features().end());
  out.labels = {request.labels().begin(), request.labels().end()};
  out.capacity = request.capacity();
  out.host.os = request.host().os();
  out.host.arch = request.host().arch();
  out.host.hostname = request.host().hostname();
  out.host.cpus = request.host().cpus();
  out.host.memory_bytes = request.host().memory_bytes();
  out.host.kernel = request.host().kernel();
  for (const v1::PluginDescriptor &plugin : request.executors()) out.executors.push_back(plugin_from_proto(plugin));
  for (const v1::PluginDescriptor &plugin : request.artifact_backends()) {
    out.artifact_backends.push_back(plugin_from_proto(plugin));
  }
  if (request.has_previous_worker_id()) out.previous_worker_id = request.previous_worker_id();
  return out;
}

v1::RegisterResponse register_response_to_proto(const RegisterOutcome &outcome, const std::string &server_version) {
  v1::RegisterResponse out;
  if (const auto *accepted = std::get_if<RegisterAccepted>(&outcome)) {
    v1::RegisterAccepted &a = *out.mutable_accepted();
    a.set_worker_id(accepted->worker_id);
    a.set_session_id(accepted->session_id);
    a.set_heartbeat_interval_ms(static_cast<uint64_t>(accepted->heartbeat_interval.count()));
    a.set_lease_timeout_ms(static_cast<uint64_t>(accepted->lease_timeout.count()));
    a.set_protocol_version(accepted->protocol_version);
    for (const std::string &feature : accepted->features) a.add_features(feature);
    a.set_server_version(server_version);
    a.set_max_message_bytes(static_cast<uint64_t>(protocol::kMaxMessageBytes));
    a.set_max_log_chunk_bytes(protocol::kMaxLogChunkBytes);
  } else {
    const auto &refused = std::get<RegisterRefused>(outcome);
    v1::RegisterRefused &r = *out.mutable_refused();
    r.set_code(refusal_code_to_proto(refused.code));
    r.set_reason(refused.reason);
    for (const uint32_t version : protocol::kProtocolVersions) r.add_server_protocol_versions(version);
  }
  return out;
}

HeartbeatReport heartbeat_from_proto(const v1::HeartbeatRequest &request) {
  HeartbeatReport out;
  out.worker_id = request.worker_id();
  out.session_id = request.session_id();
  for (const v1::JobLease &lease : request.running_jobs())
    out.running_jobs.push_back({lease.job_id(), lease.lease_epoch()});
  out.free_slots = request.free_slots();
  return out;
}

v1::HeartbeatResponse heartbeat_response_to_proto(const HeartbeatOutcome &outcome, int64_t server_time_unix_ms) {
  v1::HeartbeatResponse out;
  out.set_status(heartbeat_status_to_proto(outcome.status));
  for (const RevokedLease &revoked : outcome.revoked) {
    v1::RevokedJob &r = *out.add_revoked_jobs();
    r.mutable_lease()->set_job_id(revoked.lease.job_id);
    r.mutable_lease()->set_lease_epoch(revoked.lease.epoch);
    r.set_reason(revoked.reason);
  }
  out.set_server_time_unix_ms(server_time_unix_ms);
  return out;
}

v1::PluginDescriptor plugin_to_proto(const PluginRecord &plugin) {
  v1::PluginDescriptor out;
  out.set_id(plugin.id);
  out.set_short_name(plugin.short_name);
  out.set_version(plugin.version);
  out.set_capabilities(plugin.capabilities);
  for (const std::string &scheme : plugin.uri_schemes) out.add_uri_schemes(scheme);
  out.set_fingerprint_json(plugin.fingerprint_json);
  out.set_abi_version(plugin.abi_version);
  return out;
}

v1::HostFacts host_to_proto(const HostFactsRecord &host) {
  v1::HostFacts out;
  out.set_os(host.os);
  out.set_arch(host.arch);
  out.set_hostname(host.hostname);
  out.set_cpus(host.cpus);
  out.set_memory_bytes(host.memory_bytes);
  out.set_kernel(host.kernel);
  return out;
}

v1::JobInfo job_info_to_proto(const JobRecord &job, const std::map<LogStream, uint64_t> &logs, bool full) {
  v1::JobInfo out;
  out.set_job_id(job.id);
  out.set_name(job.name);
  out.set_executor(job.executor);
  out.set_state(to_proto(job.state));
  out.set_lease_epoch(job.lease_epoch);
  out.set_worker_id(job.worker_id);
  for (const auto &[key, value] : job.selector) (*out.mutable_selector())[key] = value;
  out.set_submitted_unix_ms(job.submitted_unix_ms);
  out.set_updated_unix_ms(job.updated_unix_ms);
  if (job.result) *out.mutable_result() = result_to_proto(*job.result);
  if (full) {
    out.set_spec_json(job.spec_json);
    for (const Transition &transition : job.history) {
      v1::StatusTransition &t = *out.add_history();
      t.set_state(to_proto(transition.state));
      t.set_timestamp_unix_ms(transition.at_unix_ms);
      t.set_lease_epoch(transition.lease_epoch);
      if (transition.step_index) t.set_step_index(*transition.step_index);
      t.set_message(transition.message);
    }
  }
  for (const auto &[stream, size] : logs) {
    v1::LogSize &l = *out.add_logs();
    l.set_stream(to_proto(stream));
    l.set_committed_bytes(size);
  }
  out.set_cancel_requested(job.cancel_requested);
  out.set_cancel_reason(job.cancel_reason);
  for (const std::string &worker : job.rejected_by) out.add_rejected_by(worker);
  if (job.current_step) out.set_current_step(*job.current_step);
  return out;
}

v1::WorkerInfo worker_info_to_proto(const WorkerView &worker) {
  const WorkerRegistration &reg = worker.record.registration;
  v1::WorkerInfo out;
  out.set_worker_id(worker.record.id);
  out.set_name(reg.name);
  out.set_version(reg.version);
  for (const auto &[key, value] : reg.labels) (*out.mutable_labels())[key] = value;
  out.set_capacity(reg.capacity);
  *out.mutable_host() = host_to_proto(reg.host);
  for (const PluginRecord &plugin : reg.executors) *out.add_executors() = plugin_to_proto(plugin);
  for (const PluginRecord &plugin : reg.artifact_backends) *out.add_artifact_backends() = plugin_to_proto(plugin);
  out.set_session_alive(worker.session_alive);
  out.set_stream_connected(worker.stream_connected);
  out.set_available_credits(worker.available_credits);
  for (const Lease &lease : worker.jobs) {
    v1::JobLease &l = *out.add_jobs();
    l.set_job_id(lease.job_id);
    l.set_lease_epoch(lease.epoch);
  }
  out.set_draining(worker.draining);
  out.set_last_heartbeat_unix_ms(worker.last_heartbeat_unix_ms);
  out.set_protocol_version(worker.record.protocol_version);
  return out;
}

v1::Stats stats_to_proto(const CountersSnapshot &counters) {
  v1::Stats out;
  out.set_log_gaps(counters.log_gaps);
  out.set_log_duplicate_resends(counters.log_duplicate_resends);
  out.set_log_duplicate_bytes(counters.log_duplicate_bytes);
  out.set_log_overlap_mismatches(counters.log_overlap_mismatches);
  out.set_stale_epochs(counters.stale_epochs);
  out.set_not_leased(counters.not_leased);
  out.set_malformed_messages(counters.malformed_messages);
  out.set_unauthenticated(counters.unauthenticated);
  out.set_streams_failed(counters.streams_failed);
  out.set_jobs_lost(counters.jobs_lost);
  out.set_assignments(counters.assignments);
  out.set_log_bytes_committed(counters.log_bytes_committed);
  out.set_duplicate_results(counters.duplicate_results);
  out.set_invalid_transitions(counters.invalid_transitions);
  return out;
}

} // namespace hodei::devserver::rpc
