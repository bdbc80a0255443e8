#include "proto_mapping.hpp"

#include <filesystem>
#include <fstream>
#include <sys/utsname.h>
#include <thread>
#include <unistd.h>

namespace hodei::agent {

v1::LogStream to_proto(runner::LogStream stream) {
  switch (stream) {
  case runner::LogStream::out:
    return v1::LOG_STREAM_STDOUT;
  case runner::LogStream::err:
    return v1::LOG_STREAM_STDERR;
  case runner::LogStream::system:
    return v1::LOG_STREAM_SYSTEM;
  }
  return v1::LOG_STREAM_UNSPECIFIED;
}

std::optional<runner::LogStream> from_proto(v1::LogStream stream) {
  switch (stream) {
  case v1::LOG_STREAM_STDOUT:
    return runner::LogStream::out;
  case v1::LOG_STREAM_STDERR:
    return runner::LogStream::err;
  case v1::LOG_STREAM_SYSTEM:
    return runner::LogStream::system;
  default:
    return std::nullopt;
  }
}

v1::JobPhase to_proto(runner::JobPhase phase) {
  switch (phase) {
  case runner::JobPhase::accepted:
    return v1::JOB_PHASE_ACCEPTED;
  case runner::JobPhase::preparing:
    return v1::JOB_PHASE_PREPARING;
  case runner::JobPhase::running:
    return v1::JOB_PHASE_RUNNING;
  case runner::JobPhase::uploading:
    return v1::JOB_PHASE_UPLOADING;
  case runner::JobPhase::finished:
    return v1::JOB_PHASE_FINISHED;
  }
  return v1::JOB_PHASE_UNSPECIFIED;
}

v1::JobOutcome to_proto(runner::JobOutcome outcome) {
  switch (outcome) {
  case runner::JobOutcome::succeeded:
    return v1::JOB_OUTCOME_SUCCEEDED;
  case runner::JobOutcome::failed:
    return v1::JOB_OUTCOME_FAILED;
  case runner::JobOutcome::cancelled:
    return v1::JOB_OUTCOME_CANCELLED;
  case runner::JobOutcome::timed_out:
    return v1::JOB_OUTCOME_TIMED_OUT;
  case runner::JobOutcome::error:
    return v1::JOB_OUTCOME_ERROR;
  }
  return v1::JOB_OUTCOME_ERROR;
}

namespace {

int64_t to_unix_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

v1::StepOutcome step_outcome(const runner::StepReport &step, bool deciding, runner::JobOutcome job) {
  if (!step.ran) return v1::STEP_OUTCOME_SKIPPED;
  if (step.exit_code == 0 && step.term_signal == 0) return v1::STEP_OUTCOME_SUCCEEDED;
  if (deciding && job == runner::JobOutcome::cancelled) return v1::STEP_OUTCOME_CANCELLED;
  if (deciding && job == runner::JobOutcome::timed_out) return v1::STEP_OUTCOME_TIMED_OUT;
  return v1::STEP_OUTCOME_FAILED;
}

} // namespace

v1::JobResult to_proto_result(const FinishedJob &finished, int64_t accepted_unix_ms) {
  const runner::JobReport &report = finished.report;
  v1::JobResult result;
  result.set_outcome(to_proto(report.outcome));
  if (report.term_signal != 0) {
    result.set_signal(report.term_signal);
  } else if (report.exit_code >= 0) {
    result.set_exit_code(report.exit_code);
  }
  size_t last_ran = report.steps.size();
  for (size_t i = 0; i < report.steps.size(); ++i) {
    if (report.steps[i].ran) last_ran = i;
  }
  for (size_t i = 0; i < report.steps.size(); ++i) {
    const runner::StepReport &step = report.steps[i];
    v1::StepResult &s = *result.add_steps();
    s.set_index(static_cast<uint32_t>(i));
    s.set_name(step.name);
    s.set_outcome(step_outcome(step, i == last_ran, report.outcome));
    if (step.ran) {
      if (step.term_signal != 0) {
        s.set_signal(step.term_signal);
      } else if (step.exit_code >= 0) {
        s.set_exit_code(step.exit_code);
      }
      if (step.started.time_since_epoch().count() != 0) s.set_started_unix_ms(to_unix_ms(step.started));
      s.set_duration_ms(step.duration.count());
      s.set_oom_killed(step.oom_killed);
    }
  }
  for (const runner::ArtifactSummary &a : report.artifacts) {
    v1::ArtifactResult &r = *result.add_artifacts();
    r.set_direction(a.output ? v1::ARTIFACT_DIRECTION_OUTPUT : v1::ARTIFACT_DIRECTION_INPUT);
    r.set_path(a.path);
    r.set_uri(a.uri);
    r.set_size_bytes(a.size);
    r.set_sha256(a.sha256);
  }
  result.set_message(report.message);
  result.set_started_unix_ms(accepted_unix_ms);
  result.set_finished_unix_ms(finished.finished_unix_ms);
  for (size_t i = 0; i < kStreamCount; ++i) {
    v1::LogStreamLength &length = *result.add_log_lengths();
    length.set_stream(to_proto(stream_at(i)));
    length.set_length(finished.log_lengths[i]);
  }
  return result;
}

v1::PluginDescriptor to_proto_descriptor(const plugins::PluginInfo &info, const std::string &fingerprint_json) {
  v1::PluginDescriptor d;
  d.set_id(info.id);
  d.set_short_name(info.short_name);
  d.set_version(info.version);
  d.set_capabilities(info.capabilities);
  for (const std::string &scheme : info.uri_schemes) d.add_uri_schemes(scheme);
  d.set_fingerprint_json(fingerprint_json.empty() ? "{}" : fingerprint_json);
  d.set_abi_version(std::to_string(info.abi_major) + "." + std::to_string(info.abi_minor));
  return d;
}

v1::HostFacts local_host_facts() {
  v1::HostFacts facts;
  facts.set_os("linux");
  utsname u{};
  if (::uname(&u) == 0) {
    const std::string machine = u.machine;
    facts.set_arch(machine == "x86_64" ? "amd64" : machine == "aarch64" ? "arm64" : machine);
    facts.set_kernel(u.release);
  }
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) facts.set_hostname(host);
  facts.set_cpus(std::max(1u, std::thread::hardware_concurrency()));
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGESIZE);
  if (pages > 0 && page_size > 0)
    facts.set_memory_bytes(static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size));
  return facts;
}

v1::WorkerLoad local_load(const std::string &disk_path) {
  v1::WorkerLoad load;
  double averages[1] = {0};
  if (::getloadavg(averages, 1) == 1) load.set_load1(averages[0]);
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  uint64_t value = 0;
  std::string unit;
  uint64_t total = 0;
  uint64_t available = 0;
  while (meminfo >> key >> value >> unit) {
    if (key == "MemTotal:") total = value * 1024;
    if (key == "MemAvailable:") available = value * 1024;
  }
  if (total > available) load.set_memory_used_bytes(total - available);
  std::error_code ec;
  const std::filesystem::space_info space = std::filesystem::space(disk_path, ec);
  if (!ec) load.set_disk_free_bytes(space.available);
  return load;
}

} // namespace hodei::agent
