// The client subcommands of hodei-devserver: each talks to a running devserver's AdminService, prints the
// answer, and returns the process exit code (exit_codes.hpp).
#pragma once

#include "devserver/core/job_state.hpp"
#include "devserver/rpc/client_channel.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace hodei::devserver::cli {

struct SubmitArgs {
  std::filesystem::path file;
  bool follow = false;                         // stream the logs live, then exit with the job's outcome
  std::map<std::string, std::string> selector; // --label key=value (repeatable)
};

int submit(const rpc::ClientOptions &client, const SubmitArgs &args);
int list_jobs(const rpc::ClientOptions &client);
int list_workers(const rpc::ClientOptions &client, bool json = false);
int show_job(const rpc::ClientOptions &client, const std::string &job_id);
int cancel_job(const rpc::ClientOptions &client, const std::string &job_id, const std::string &reason,
               std::optional<uint64_t> grace_ms);
// Without `stream`: stdout bytes to stdout, stderr and system bytes to stderr.
int show_logs(const rpc::ClientOptions &client, const std::string &job_id, std::optional<LogStream> stream,
              bool follow);
int show_stats(const rpc::ClientOptions &client);
int drain_worker(const rpc::ClientOptions &client, const std::string &worker_id, const std::string &reason);

// The exit code `submit --follow` returns for a job that ended in `state`.
int exit_code_for(JobState state);

} // namespace hodei::devserver::cli
