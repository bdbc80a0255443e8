// The devserver's plain enums for jobs and logs, and their stable spellings (used in the data folder's JSON and on
// the CLI). Protobuf enums are mapped to these at the gRPC edge (rpc/proto_mapping.hpp).
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace hodei::devserver {

// Lifecycle of a job on the server. Leased states (assigned .. uploading) have a worker and a lease epoch;
// terminal states never change again.
enum class JobState {
  queued,
  assigned,
  accepted,
  preparing,
  running,
  uploading,
  succeeded,
  failed,
  cancelled,
  timed_out,
  error,
  lost
};

// What became of a job (the JobResult's outcome). `lost` is only ever set by the server.
enum class Outcome { succeeded, failed, cancelled, timed_out, error, lost };

// How one step ended.
enum class StepOutcome { succeeded, failed, skipped, cancelled, timed_out };

// A job's output stream. Each is its own append-only file.
enum class LogStream { out, err, system };

inline constexpr std::array<LogStream, 3> kAllLogStreams{LogStream::out, LogStream::err, LogStream::system};

[[nodiscard]] bool is_terminal(JobState state) noexcept;
[[nodiscard]] bool is_leased(JobState state) noexcept; // assigned, accepted, preparing, running, uploading
[[nodiscard]] JobState state_for(Outcome outcome) noexcept;

[[nodiscard]] std::string_view to_string(JobState state) noexcept; // "queued", "timed_out", ...
[[nodiscard]] std::string_view to_string(Outcome outcome) noexcept;
[[nodiscard]] std::string_view to_string(StepOutcome outcome) noexcept;
[[nodiscard]] std::string_view to_string(LogStream stream) noexcept; // "stdout", "stderr", "system"

[[nodiscard]] std::optional<JobState> job_state_from_string(std::string_view text) noexcept;
[[nodiscard]] std::optional<Outcome> outcome_from_string(std::string_view text) noexcept;
[[nodiscard]] std::optional<StepOutcome> step_outcome_from_string(std::string_view text) noexcept;
[[nodiscard]] std::optional<LogStream> log_stream_from_string(std::string_view text) noexcept;

} // namespace hodei::devserver
