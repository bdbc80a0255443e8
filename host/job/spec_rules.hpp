// The value rules of the job spec that are not about JSON: names, paths, URIs, digests. Pure functions, so the
// runner and the devserver can apply the same rules.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hodei::job {

// An environment variable name: [A-Za-z_][A-Za-z0-9_]*.
bool is_env_name(std::string_view name) noexcept;

// An executor short name or plugin id: dot-separated non-empty words of [A-Za-z0-9_-] ("shell",
// "dev.hodei.executor.shell").
bool is_executor_id(std::string_view id) noexcept;

// The top-level fields of a job spec ("artifacts", "cancel_grace_seconds", "env", ...), sorted.
const std::vector<std::string> &job_field_names();

// A key executor options can be stored under (JobSpec::executor_options): an executor short name (is_executor_id
// without dots, "docker") that is not one of job_field_names(), since the JSON form writes the options as a
// top-level member named after the executor.
bool is_executor_options_key(std::string_view key) noexcept;

// Empty or only whitespace (space, tab, CR, LF, FF, VT): what a "non-empty" string of the spec may not be.
bool is_blank(std::string_view text) noexcept;

// Length in characters (UTF-8 code points; the text is assumed valid UTF-8): the unit of the spec's length limits.
std::size_t utf8_length(std::string_view text) noexcept;

// Any ASCII control character (newline, tab, ESC, DEL, ...).
bool has_control_characters(std::string_view text) noexcept;

// nullopt when `path` is a plausible relative path inside the workspace: not empty, not absolute, no ".."
// component, no NUL. Otherwise what is wrong, phrased "expected ..." (the path itself is not repeated). Symlinks and
// other escapes can only be checked on the real file system, at run time.
std::optional<std::string> relative_path_problem(std::string_view path);

// "scheme://rest" with an RFC 3986 scheme ([A-Za-z][A-Za-z0-9+.-]*) and a non-empty rest.
bool has_uri_scheme(std::string_view uri) noexcept;

// Exactly 64 hexadecimal digits, either case.
bool is_sha256_hex(std::string_view text) noexcept;

// `text` with A-F turned into a-f.
std::string to_lower_ascii(std::string_view text);

} // namespace hodei::job
