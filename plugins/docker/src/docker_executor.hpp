// DockerExecutor: the plugin instance. At init it parses the config, checks the daemon (reachable, Engine API 1.41 or
// newer), learns the worker id and removes this worker's leftover containers; it then starts one DockerJob per job.
#pragma once

#include "docker_api.hpp"
#include "leftover_reaper.hpp"
#include "plugin_config.hpp"
#include "running_jobs.hpp"

#include <hodei/sdk.hpp>
#include <memory>
#include <string>
#include <string_view>

namespace hodei::docker {

struct ExecutorContext;

class DockerExecutor final : public sdk::Executor {
public:
  static constexpr sdk::PluginInfo info{
      .id = "dev.hodei.executor.docker",
      .name = "Docker executor",
      .version = "0.1.0",
      .description = "Runs each job in its own Docker container, one exec per step (Engine API 1.41, unix socket)",
      .capabilities = HODEI_CAP_EXECUTOR_SIGNAL | HODEI_CAP_EXECUTOR_FINGERPRINT,
      .uri_schemes = nullptr,
      .config_schema_json = kPluginConfigSchema,
  };

  // Throws sdk::Error: INVALID_ARGUMENT for a bad config, UNAVAILABLE when the daemon cannot be reached (message
  // names the socket) or speaks an API older than 1.41 (message names both versions).
  DockerExecutor(const sdk::Host &host, std::string_view config_json);
  ~DockerExecutor() override;

  void validate(const sdk::JobSpec &spec) override;
  std::unique_ptr<sdk::Job> start(const sdk::JobSpec &spec, sdk::OutputSink sink) override;
  std::string fingerprint() override;

private:
  const sdk::Host &host_;
  const PluginConfig config_;
  const DockerApi api_;
  const std::string worker_id_;
  RunningJobs running_jobs_;
  std::unique_ptr<ExecutorContext> context_;
  LeftoverReaper reaper_; // last: its thread uses the members above
};

} // namespace hodei::docker
