// StepRunner: runs one step as an exec in the job's container and follows it to its end:
//   step_started -> POST exec -> POST exec/start (upgraded to the raw multiplexed stream) -> demultiplex into the sink
//   -> GET exec/json until it has exited -> OOM check -> step_finished.
//
// Backpressure: the socket is read only after the sink took the previous bytes. When the sink blocks, nothing is
// read, the daemon's buffers fill up and the step blocks on its next write: memory stays bounded (one read buffer)
// whatever the step writes.
//
// OOM: a step killed by the memory limit ends with 137 like any SIGKILL, and State.OOMKilled is only set when the
// container's main process dies, which here is the keeper, not the step. The daemon does record an "oom" event for
// the container, so a 137 is checked against the container's events since the step started.
#pragma once

#include "docker_api.hpp"
#include "interrupt.hpp"
#include "job_control.hpp"

#include <hodei/sdk.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>

namespace hodei::docker {

struct StepRun {
  sdk::StepResult result;
  std::optional<std::string> error; // the step could not be run or followed to its end
};

class StepRunner {
public:
  // `stream_interrupt` aborts a step's output stream (the job's destructor uses it when the daemon does not end it).
  StepRunner(const DockerApi &api, JobControl &control, const sdk::Host &host, sdk::OutputSink sink,
             Interrupt &stream_interrupt, std::span<uint8_t> buffer);

  // Runs step `index` (named `name`). nullopt when a cancel came first and nothing was started (no step_started).
  // Otherwise step_started and step_finished were both reported. `memory_limited`: the job set docker.memory.
  std::optional<StepRun> run(const std::string &container_id, uint32_t index, const std::string &name,
                             const nlohmann::json &exec_body, bool memory_limited);

private:
  int run_exec(const std::string &container_id, const nlohmann::json &exec_body);
  void pump(HttpConnection &stream);
  int wait_for_exit(const std::string &exec_id);
  bool oom_killed(const std::string &container_id, std::chrono::system_clock::time_point since, bool memory_limited);
  [[nodiscard]] bool container_running(const std::string &container_id) const;
  // After a step failed with `exit_code`: has the container stopped under it? 126/127 (cannot execute) may also mean
  // the image has no /bin/sh, and then the keeper process dies of the same cause at about the same moment: the
  // state is given up to half a second to settle before the failure counts as the step's own.
  [[nodiscard]] bool container_stopped_under_step(const std::string &container_id, int exit_code) const;
  std::string explain_exec_failure(const std::string &container_id, const std::string &message) const;

  const DockerApi &api_;
  JobControl &control_;
  const sdk::Host &host_;
  const sdk::OutputSink sink_;
  Interrupt &stream_interrupt_;
  std::span<uint8_t> buffer_;
};

} // namespace hodei::docker
