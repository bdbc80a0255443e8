// `hodei-worker run JOB.json`: one job, locally, through the executor it names; no server.
#pragma once

#include "global_options.hpp"

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace hodei::cli {

struct RunCommandOptions {
  std::string job_file;
  std::string workspace;      // use this folder as the workspace (kept)
  std::string workspace_root; // per-job folders under it (default: ~/.cache/hodei/workspaces)
  std::optional<int64_t> timeout_seconds;
  bool keep_workspace = false;
  bool no_color = false;
};

void add_run_command(CLI::App &app, const GlobalOptions &global, RunCommandOptions &options, int &exit_code);
int run_job_command(const GlobalOptions &global, const RunCommandOptions &options);

} // namespace hodei::cli
