// The agent's edge: domain values (runner reports, phases, plugin infos, host facts) <-> hodei.worker.v1 messages.
// The JobSpec mapping itself lives in proto/protocol/job_spec_mapping.hpp (shared with the devserver).
#pragma once

#include "held_job.hpp"
#include "hodei/worker/v1/common.pb.h"
#include "hodei/worker/v1/management.pb.h"
#include "plugin-host/plugin_info.hpp"
#include "runner/job_events.hpp"

#include <optional>
#include <string>
#include <vector>

namespace hodei::agent {

namespace v1 = hodei::worker::v1;

v1::LogStream to_proto(runner::LogStream stream);
std::optional<runner::LogStream> from_proto(v1::LogStream stream);
v1::JobPhase to_proto(runner::JobPhase phase);
v1::JobOutcome to_proto(runner::JobOutcome outcome);

// The JobResult of a finished job (steps, exit status, times, log lengths).
v1::JobResult to_proto_result(const FinishedJob &finished, int64_t accepted_unix_ms);

// A plugin as the server sees it; `fingerprint_json` "{}" when the plugin has none.
v1::PluginDescriptor to_proto_descriptor(const plugins::PluginInfo &info, const std::string &fingerprint_json);

// Facts about this machine (uname, CPUs, memory, host name).
v1::HostFacts local_host_facts();
// Load figures for heartbeats; `disk_path` is where workspaces live.
v1::WorkerLoad local_load(const std::string &disk_path);

} // namespace hodei::agent
