// What every job of the plugin instance shares: owned by DockerExecutor, which outlives all its jobs (the host
// destroys every job before deinit).
#pragma once

#include "docker_api.hpp"
#include "plugin_config.hpp"
#include "running_jobs.hpp"

#include <hodei/sdk.hpp>
#include <string>

namespace hodei::docker {

class LeftoverReaper;

struct ExecutorContext {
  const sdk::Host &host;
  const PluginConfig &config;
  const DockerApi &api;
  const std::string &worker_id; // value of the dev.hodei.worker-id label
  RunningJobs &running_jobs;
  LeftoverReaper *reaper = nullptr; // set once the executor's reaper exists; told about failed removals
};

} // namespace hodei::docker
