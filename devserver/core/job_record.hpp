// What the devserver knows about one job: plain C++, persisted as JSON (record_json.hpp) in the data folder.
#pragma once

#include "devserver/core/job_state.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hodei::devserver {

struct StepResult {
  uint32_t index = 0;
  std::string name;
  StepOutcome outcome = StepOutcome::failed;
  std::optional<int32_t> exit_code; // absent when killed by a signal or never started
  std::optional<int32_t> signal;    // absent when it exited
  int64_t started_unix_ms = 0;
  int64_t duration_ms = 0;
  bool oom_killed = false;

  bool operator==(const StepResult &) const = default;
};

struct ArtifactResult {
  bool output = false; // false: downloaded input, true: uploaded output
  std::string path;
  std::string uri;
  uint64_t size_bytes = 0;
  std::string sha256;

  bool operator==(const ArtifactResult &) const = default;
};

struct JobResult {
  Outcome outcome = Outcome::error;
  std::optional<int32_t> exit_code;
  std::optional<int32_t> signal;
  std::vector<StepResult> steps;
  std::vector<ArtifactResult> artifacts;
  std::string message;
  int64_t started_unix_ms = 0;
  int64_t finished_unix_ms = 0;
  std::map<LogStream, uint64_t> log_lengths; // final length of each stream the job wrote

  bool operator==(const JobResult &) const = default;
};

// One state change, as shown by `hodei-devserver jobs`/GetJob.
struct Transition {
  JobState state = JobState::queued;
  int64_t at_unix_ms = 0;
  uint64_t lease_epoch = 0;
  std::optional<uint32_t> step_index;
  std::string message;

  bool operator==(const Transition &) const = default;
};

struct JobRecord {
  std::string id;   // "job-<seq>"
  uint64_t seq = 0; // submission order, from 1; the queue is served in this order
  std::string name; // from the spec
  std::string executor;
  std::string spec_json;                       // as submitted (validated by hodei::job::parse_job_spec)
  std::map<std::string, std::string> selector; // worker labels the job requires
  JobState state = JobState::queued;
  uint64_t lease_epoch = 0; // incremented by every assignment; 0 = never assigned
  std::string worker_id;    // holder while leased; last holder afterwards; empty if never assigned
  int64_t submitted_unix_ms = 0;
  int64_t updated_unix_ms = 0;
  std::optional<uint32_t> current_step;
  std::optional<JobResult> result;
  std::vector<Transition> history;
  bool cancel_requested = false;
  std::string cancel_reason;
  std::optional<uint64_t> cancel_grace_ms;
  std::vector<std::string> rejected_by; // workers that rejected it: not offered it again

  bool operator==(const JobRecord &) const = default;
};

} // namespace hodei::devserver
