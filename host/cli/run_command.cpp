#include "run_command.hpp"

#include "artifacts_command.hpp"
#include "console_events.hpp"
#include "exit_codes.hpp"
#include "job/job_spec_parser.hpp"
#include "plugin-host/plugin_registry.hpp"
#include "runner/job_runner.hpp"
#include "signal_watcher.hpp"

#include <csignal>
#include <cstdlib>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace hodei::cli {

namespace {

int exit_code_for(const runner::RunResult &result) {
  switch (result.report.outcome) {
  case runner::JobOutcome::succeeded:
    return exit_success;
  case runner::JobOutcome::failed:
    return exit_job_failed;
  case runner::JobOutcome::cancelled:
    return exit_cancelled;
  case runner::JobOutcome::timed_out:
    return exit_timed_out;
  case runner::JobOutcome::error:
    break;
  }
  return result.error_kind == runner::ErrorKind::spec ? exit_usage : exit_infrastructure;
}

void print_error(const std::string &message) { fmt::print(stderr, "hodei-worker: error: {}\n", message); }

} // namespace

void add_run_command(CLI::App &app, const GlobalOptions &global, RunCommandOptions &options, int &exit_code) {
  CLI::App *run = app.add_subcommand("run", "Run one job locally through the executor it names (no server)");
  run->add_option("job", options.job_file, "Job spec file (JSON, comments allowed)")->required();
  run->add_option("--workspace", options.workspace, "Use this folder as the job's workspace (it is kept)");
  run->add_option("--workspace-root", options.workspace_root,
                  "Create the per-job workspace under this folder (default DATA_DIR/workspaces)");
  run->add_option("--timeout", options.timeout_seconds, "Job timeout in seconds (overrides timeout_seconds)")
      ->check(CLI::PositiveNumber);
  run->add_flag("--keep-workspace", options.keep_workspace, "Do not delete the workspace after the job");
  run->add_flag("--no-color", options.no_color, "Never colour the output");
  run->callback([&global, &options, &exit_code] { exit_code = run_job_command(global, options); });
}

int run_job_command(const GlobalOptions &global, const RunCommandOptions &options) {
  std::unique_ptr<plugins::PluginRegistry> registry;
  try {
    registry = make_registry(global);
  } catch (const std::exception &e) {
    print_error(e.what());
    return exit_infrastructure;
  }

  job::ParseOptions parse_options;
  for (const std::string &n : registry->executor_names()) parse_options.executor_names.insert(n);
  parse_options.source_name = options.job_file;
  job::JobSpec spec;
  try {
    spec = job::load_job_spec_file(options.job_file, parse_options);
  } catch (const job::SpecError &e) {
    print_error(e.what());
    return exit_usage;
  }

  runner::RunOptions run_options;
  const std::filesystem::path data_dir = effective_data_dir(global);
  run_options.workspace_root =
      options.workspace_root.empty() ? data_dir / "workspaces" : std::filesystem::path(options.workspace_root);
  std::unique_ptr<artifacts::ArtifactCache> cache;
  std::unique_ptr<artifacts::ArtifactManager> artifact_manager;
  if (!spec.inputs.empty() || !spec.outputs.empty()) {
    try {
      std::tie(cache, artifact_manager) = make_artifact_manager(global, *registry);
    } catch (const std::exception &e) {
      print_error(std::string("cannot open the artifact cache: ") + e.what());
      return exit_infrastructure;
    }
    run_options.artifacts = artifact_manager.get();
  }
  if (!options.workspace.empty()) run_options.workspace_dir = options.workspace;
  if (options.timeout_seconds) run_options.timeout_override = std::chrono::seconds(*options.timeout_seconds);
  run_options.keep_workspace = options.keep_workspace;

  const bool color = !options.no_color && ::isatty(STDERR_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr; // NOLINT
  ConsoleEvents console(color);
  runner::CancelSource cancel;
  SignalWatcher signals([&cancel](int signo, int count) {
    const std::string name = signo == SIGINT ? "SIGINT" : "SIGTERM";
    if (count == 1) {
      fmt::print(stderr, "==> {} received: cancelling the job (again to force)\n", name);
      cancel.cancel("received " + name);
    } else {
      cancel.force("received " + name + " twice");
    }
  });

  const std::string job_id = runner::make_local_job_id();
  fmt::print(stderr, "==> job '{}' ({}) on executor {}\n", spec.name, job_id, spec.executor);
  runner::JobRunner job_runner(*registry);
  const runner::RunResult result = job_runner.run(job_id, spec, run_options, console, cancel);
  return exit_code_for(result);
}

} // namespace hodei::cli
