// Process exit codes of hodei-worker, documented in docs/cli.md. Scripts depend on them: append, never renumber.
#pragma once

namespace hodei::cli {

enum ExitCode : int {
  exit_success = 0,        // the job succeeded / the command did what was asked
  exit_job_failed = 1,     // a step failed
  exit_usage = 2,          // bad command line, unreadable or invalid job spec or config
  exit_infrastructure = 3, // the worker could not run the job: executor missing or broken, workspace, plugin error
  exit_cancelled = 4,      // cancelled (SIGINT/SIGTERM or by the server)
  exit_timed_out = 5,      // the job exceeded its timeout
};

} // namespace hodei::cli
