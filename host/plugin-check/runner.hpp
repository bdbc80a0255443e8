// The parent side of `hodei-worker plugins check`: runs every check of every plugin file in a child process
// (`<worker> plugins check-one --check NAME --result-fd 3 ... FILE`) with a timeout, and prints the report.
#pragma once

#include "checks.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace hodei::plugin_check {

struct PluginReport {
  std::string file;
  nlohmann::json plugin; // what the load check found (id, version, kinds...), null when it did not load
  std::vector<CheckResult> checks;
  [[nodiscard]] bool passed() const;
};

struct RunnerOptions {
  CheckOptions check;
  std::filesystem::path worker_exe = "/proc/self/exe"; // re-executed for every check
};

// Runs the checks that apply to `file`: the static ones, load and negotiate, then the executor and/or artifact
// backend checks for the kinds the plugin declares (SKIP when it did not load).
[[nodiscard]] PluginReport check_plugin(const std::filesystem::path &file, const RunnerOptions &options);

// Runs one check in a child process and turns a crash, a timeout or a missing result into a FAIL.
[[nodiscard]] CheckResult run_in_child(const std::string &check, const std::filesystem::path &file,
                                       const RunnerOptions &options);

// The text report: per plugin its file, one line per check ("  PASS name  reason") and "  => PASS|FAIL".
[[nodiscard]] std::string format_plugin_text(const PluginReport &report);
// The last line of the text report: "N plugin(s): P passed, F failed, S skipped".
[[nodiscard]] std::string format_summary(const std::vector<PluginReport> &reports);
// Both, for every report; and the JSON report.
[[nodiscard]] std::string format_text(const std::vector<PluginReport> &reports);
[[nodiscard]] nlohmann::json format_json(const std::vector<PluginReport> &reports);

// The argv for the child, after the executable: "plugins", "check-one", ...
[[nodiscard]] std::vector<std::string> child_arguments(const std::string &check, const std::filesystem::path &file,
                                                       const CheckOptions &options, int result_fd);

} // namespace hodei::plugin_check
