// The conformance checks of `hodei-worker plugins check`, one function per check. Each one runs in its own child
// process (`hodei-worker plugins check-one`, see runner.hpp) so that a plugin that crashes, hangs or calls exit()
// is reported instead of taking the checker down.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace hodei::plugin_check {

enum class Status { pass, fail, skip };

[[nodiscard]] const char *status_text(Status status) noexcept; // "PASS", "FAIL", "SKIP"

struct CheckResult {
  std::string name;
  Status status = Status::fail;
  std::string reason;  // one line: what was verified (PASS), what is wrong and how to fix it (FAIL), why not run
  nlohmann::json info; // extra facts (the load check: id, version, kinds, uri_schemes)
  int64_t duration_ms = 0;
};

// What the command line gives every check.
struct CheckOptions {
  std::string config_json;             // the plugin's config object; empty = "{}" (file backends: a temp root)
  std::string base_uri;                // artifact backends: where to put test objects (e.g. s3://bucket/prefix/)
  std::string executor_options = "{}"; // executors: options_json of every test job (e.g. docker's image)
  std::chrono::seconds timeout{60};    // per check, enforced by the parent
};

// Check names in the order they run.
[[nodiscard]] const std::vector<std::string> &static_checks();   // elf, exports, symbol-versions, permissions
[[nodiscard]] const std::vector<std::string> &load_checks();     // load, negotiate
[[nodiscard]] const std::vector<std::string> &executor_checks(); // exec-*
[[nodiscard]] const std::vector<std::string> &backend_checks();  // artifact-*
[[nodiscard]] bool is_known_check(const std::string &name);

// Runs one check in THIS process (the child). Never throws: every failure becomes a FAIL result.
[[nodiscard]] CheckResult run_check(const std::string &name, const std::filesystem::path &file,
                                    const CheckOptions &options);

[[nodiscard]] nlohmann::json to_json(const CheckResult &result);
[[nodiscard]] CheckResult check_result_from_json(const nlohmann::json &json);

} // namespace hodei::plugin_check
