// Reads a job spec from its JSON form (docs/job-spec.md) into a JobSpec, validating every field.
#pragma once

#include "job_spec.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>

namespace hodei::job {

// Limits of the format; docs/job-spec.md lists them.
inline constexpr std::size_t kMaxSpecBytes = std::size_t{4} * 1024 * 1024; // the whole JSON text
inline constexpr std::size_t kMaxSpecDepth = 64;                           // nesting of objects and arrays
inline constexpr std::size_t kMaxNameChars = 128;                          // job and step names
inline constexpr std::size_t kMaxExecutorChars = 256;
inline constexpr std::size_t kMaxSteps = 1000;
inline constexpr std::size_t kMaxArtifacts = 1000;         // inputs, and separately outputs
inline constexpr std::int64_t kMaxTimeoutSeconds = 604800; // 7 days
inline constexpr std::int64_t kMaxCancelGraceSeconds = 3600;

struct ParseOptions {
  // Short names of executors the worker knows (e.g. {"shell","docker"}). An object-valued top-level key that names
  // one of them is that executor's options; any other unknown key is an error. Empty set = accept only the job's
  // own executor's short name as an options key. The job's own executor's short name is always accepted; a plugin
  // id given here counts as its short name.
  std::set<std::string> executor_names;
  std::string source_name = "<job>"; // file name, used in error messages
};

// Parses and validates a job spec. Throws SpecError whose what() is "<source>: <path>: <problem>" (syntax errors:
// "<source>:<line>:<column>: invalid JSON: ..." with path "$") and whose path() is the JSON path of the problem.
JobSpec parse_job_spec(std::string_view json_text, const ParseOptions &options);

// Reads `file` and parses it. Error messages name options.source_name, or the file when that is left at "<job>".
// Throws SpecError also when the file cannot be read (path() is then empty) or is larger than kMaxSpecBytes.
JobSpec load_job_spec_file(const std::filesystem::path &file, const ParseOptions &options);

// "dev.hodei.executor.shell" -> "shell", "shell" -> "shell": the part after the last dot.
std::string executor_short_name(const std::string &executor);

} // namespace hodei::job
