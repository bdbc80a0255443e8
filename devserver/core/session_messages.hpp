// The job stream's messages as plain C++ (executor.proto, mapped at the gRPC edge by rpc/proto_mapping.hpp):
// what a worker sends (inbound, *In) and what the control plane sends it (outbound, ServerEvent).
#pragma once

#include "devserver/core/job_record.hpp"
#include "devserver/core/worker_record.hpp"
#include "job/job_spec.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace hodei::devserver {

// A job named with the lease epoch an event acts on.
struct Lease {
  std::string job_id;
  uint64_t epoch = 0;

  bool operator==(const Lease &) const = default;
};

// Phases a worker reports (JobStatus.phase).
enum class Phase { accepted, preparing, running, uploading, finished };

// --- worker -> server --------------------------------------------------------------------------------------------

struct ResumedJobIn {
  Lease lease;
  Phase phase = Phase::accepted;
  std::map<LogStream, uint64_t> have; // bytes the worker holds per stream
  bool finished = false;
};

struct RejectIn {
  Lease lease;
  std::string code; // "no_capacity", "executor_unavailable", "invalid_spec", "draining", "other"
  std::string reason;
};

struct StatusIn {
  Lease lease;
  Phase phase = Phase::accepted;
  std::optional<uint32_t> step_index;
  std::string step_name;
  int64_t at_unix_ms = 0;
  std::string message;
};

struct LogChunkIn {
  Lease lease;
  LogStream stream = LogStream::out;
  uint64_t offset = 0;
  std::string data;
};

struct FinishedIn {
  Lease lease;
  JobResult result;
};

// WorkerUpdate: what the worker advertises now (complete values, replacing the registration's).
struct WorkerUpdateIn {
  std::map<std::string, std::string> labels;
  uint32_t capacity = 0;
  std::vector<PluginRecord> executors;
  std::vector<PluginRecord> artifact_backends;
};

// --- server -> worker --------------------------------------------------------------------------------------------

enum class ResumeAction { keep_running, forget, abandon }; // CONTINUE, FORGET, ABANDON

enum class Refusal {
  stale_epoch,
  not_leased,
  malformed,
  log_gap,
  log_chunk_too_large,
  logs_incomplete,
  invalid_transition
};

struct LogAckOut {
  Lease lease;
  LogStream stream = LogStream::out;
  uint64_t committed_offset = 0;
};

struct ResumeDecisionOut {
  Lease lease;
  ResumeAction action = ResumeAction::abandon;
  std::vector<LogAckOut> log_acks;
  std::string reason;
};

struct ResumeAckOut {
  std::vector<ResumeDecisionOut> jobs;
};

struct AssignmentOut {
  Lease lease;
  job::JobSpec spec;
  int64_t assigned_unix_ms = 0;
};

struct CancelOut {
  Lease lease;
  std::string reason;
  uint64_t grace_ms = 0;
};

struct ResultAckOut {
  Lease lease;
};

struct DrainOut {
  std::string reason;
};

struct RefusedOut {
  Lease lease; // empty job_id for events not about a job
  Refusal code = Refusal::malformed;
  std::string reason;
  std::string event; // WorkerMessage payload name: "log", "finished", ...
};

using ServerEvent = std::variant<ResumeAckOut, AssignmentOut, CancelOut, LogAckOut, ResultAckOut, DrainOut, RefusedOut>;

} // namespace hodei::devserver
