// Runs one job from start to finish through the executor it names: workspace, start, wait, cancel and timeout
// (graceful, then force), masking, report. The same runner serves `hodei-worker run` and `serve`.
#pragma once

#include "cancel_source.hpp"
#include "job/job_spec.hpp"
#include "job_events.hpp"
#include "job_report.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace hodei::plugins {
class PluginRegistry;
}
namespace hodei::artifacts {
class ArtifactManager;
}

namespace hodei::runner {

struct RunOptions {
  std::filesystem::path workspace_root;                 // per-job folders are created under it
  std::optional<std::filesystem::path> workspace_dir;   // use this folder as is (never deleted)
  std::optional<std::chrono::seconds> timeout_override; // replaces the spec's timeout_seconds
  bool keep_workspace = false;                          // overrides the spec's workspace_cleanup
  artifacts::ArtifactManager *artifacts = nullptr;      // needed by jobs with artifacts
};

// Why a job could not run, when its outcome is JobOutcome::error.
enum class ErrorKind { none, spec, infrastructure };

struct RunResult {
  JobReport report;
  ErrorKind error_kind = ErrorKind::none;
};

class JobRunner {
public:
  explicit JobRunner(plugins::PluginRegistry &registry) : registry_(registry) {}

  // Never throws for a job-level problem: those become the report's outcome and message.
  RunResult run(const std::string &job_id, const job::JobSpec &spec, const RunOptions &options, JobEvents &events,
                const CancelSource &cancel);

private:
  plugins::PluginRegistry &registry_;
};

// A unique, filesystem-safe id for a locally run job: "run-20261127-104512-3f9a".
std::string make_local_job_id();

} // namespace hodei::runner
