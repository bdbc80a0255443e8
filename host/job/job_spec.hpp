// The host's domain model of a pipeline job, as written by users in JSON (docs/job-spec.md). Plain C++: the
// protocol layer maps protobuf messages to and from these types at its edge, the runner maps them to the plugin ABI.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hodei::job {

struct Step {
  std::string name;                       // unique within the job
  std::string run;                        // script for the executor's shell
  bool continue_on_error = false;         // a failure neither stops nor fails the job
  std::map<std::string, std::string> env; // overrides the job's env for this step
  std::string working_dir;                // relative to the workspace; empty = workspace

  bool operator==(const Step &) const = default;
};

struct ArtifactInput {
  std::string uri;                   // scheme picks the backend: s3://, file://
  std::optional<std::string> sha256; // lowercase hex; verified when present, computed and reported otherwise
  std::string path;                  // destination, relative to the workspace

  bool operator==(const ArtifactInput &) const = default;
};

struct ArtifactOutput {
  std::string path;        // glob relative to the workspace, e.g. "dist/*.tar.gz"
  std::string uri;         // destination; ends with '/' = a prefix the file name is appended to
  bool on_failure = false; // also upload when the job failed

  bool operator==(const ArtifactOutput &) const = default;
};

enum class WorkspaceCleanup { always, on_success, never };

// The JSON spelling of a WorkspaceCleanup ("always", "on_success", "never").
constexpr std::string_view to_string(WorkspaceCleanup cleanup) noexcept {
  switch (cleanup) {
  case WorkspaceCleanup::always:
    return "always";
  case WorkspaceCleanup::on_success:
    return "on_success";
  case WorkspaceCleanup::never:
    return "never";
  }
  return "always";
}

// The inverse of to_string(); nullopt for any other spelling.
constexpr std::optional<WorkspaceCleanup> workspace_cleanup_from_string(std::string_view text) noexcept {
  for (const WorkspaceCleanup c : {WorkspaceCleanup::always, WorkspaceCleanup::on_success, WorkspaceCleanup::never}) {
    if (to_string(c) == text) return c;
  }
  return std::nullopt;
}

struct JobSpec {
  std::string name;
  std::string executor; // plugin id ("dev.hodei.executor.shell") or short name ("shell")
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> secrets; // masked in every output
  std::optional<std::chrono::seconds> timeout;
  std::chrono::milliseconds cancel_grace{std::chrono::seconds(10)}; // SIGTERM → SIGKILL delay
  std::string working_directory;                                    // relative to the workspace
  WorkspaceCleanup workspace_cleanup = WorkspaceCleanup::always;
  std::vector<Step> steps;
  std::vector<ArtifactInput> inputs;
  std::vector<ArtifactOutput> outputs;
  // Objects named after an executor ("docker": {...}), kept as JSON text and handed to that executor, which
  // validates them. Key: executor short name.
  std::map<std::string, std::string> executor_options;

  bool operator==(const JobSpec &) const = default;
};

// A spec the parser refuses. `path()` is the JSON path of the bad value ("$.steps[1].run"), `what()` the whole
// message including the source name, path and what was expected.
class SpecError : public std::runtime_error {
public:
  SpecError(const std::string &message, std::string path) : std::runtime_error(message), path_(std::move(path)) {}
  [[nodiscard]] const std::string &path() const noexcept { return path_; }

private:
  std::string path_;
};

} // namespace hodei::job
