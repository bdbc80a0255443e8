// What the executor asks the daemon for, as Engine API request bodies: the job's container and each step's exec.
// Pure functions of the job spec and options, so the security-relevant parts (labels, where secrets go) are unit
// tested without a daemon.
//
// The container: the job's image with HostConfig.Init (docker-init, i.e. tini, as PID 1, reaping orphans and
// forwarding signals) running the keeper below as its only process; the workspace bind-mounted at /workspace, which is
// also the working directory; the labels dev.hodei.managed=true, dev.hodei.job-id, dev.hodei.worker-id (used to find
// leftovers after a crash); limits and security options from JobOptions. Nothing of the job's env or secrets goes
// into the container's config: they go into each step's exec, whose environment the daemon does not show.
#pragma once

#include "job_options.hpp"

#include <hodei/sdk.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace hodei::docker {

inline constexpr const char *kLabelManaged = "dev.hodei.managed";
inline constexpr const char *kLabelJobId = "dev.hodei.job-id";
inline constexpr const char *kLabelWorkerId = "dev.hodei.worker-id";
inline constexpr const char *kWorkspaceInContainer = "/workspace";

// The container's main process, run by /bin/sh under docker-init. It sleeps until the container is removed and
// relays the signals `docker kill` sends (docker-init forwards them to it) to every other process of the container
// with `kill -SIG -1`, which on Linux reaches everything in the container's pid namespace except PID 1 and the keeper
// itself: that is how a step started by exec (not a child of PID 1) gets SIGTERM on a graceful cancel while the
// container stays up for the grace period.
extern const char *const kKeeperScript;

// Signals the keeper relays to the steps. SIGKILL needs no relay: it kills PID 1, and with it the whole container.
bool keeper_relays(int signo) noexcept;

// A fresh container name: "hodei-<job id>-<8 random hex digits>" (job ids are [A-Za-z0-9._-]).
std::string container_name(std::string_view job_id);

// POST /containers/create body.
nlohmann::json container_create_body(const JobOptions &options, const std::string &workspace_on_host,
                                     const std::string &job_id, const std::string &worker_id);

// "/workspace" or "/workspace/<working_dir>" (working_dir checked by check_job_spec).
std::string container_working_dir(std::string_view working_dir);

// The step's variables as "NAME=value", later layers overriding earlier ones (same layering as the shell
// executor, minus the worker's own environment: the image provides PATH, HOME...):
//   1. CI=true;  2. the job's env;  3. the step's env;  4. the job's secrets;
//   5. HODEI_JOB_ID, HODEI_JOB_NAME, HODEI_WORKSPACE (=/workspace), HODEI_STEP_NAME.
std::vector<std::string> step_environment(const sdk::JobSpec &job, const sdk::StepSpec &step);

// The step's argv: entrypoint..., shell..., run.
std::vector<std::string> step_command(const JobOptions &options, const sdk::StepSpec &step);

// POST /containers/{id}/exec body for step `index`.
nlohmann::json exec_create_body(const JobOptions &options, const sdk::JobSpec &job, uint32_t index);

// Checks of the generic part of a job spec (workspace, env names, working dirs). Throws sdk::Error(INVALID_ARGUMENT)
// naming the field; messages name keys, never values (which may be secrets).
void check_job_spec(const sdk::JobSpec &spec);

} // namespace hodei::docker
