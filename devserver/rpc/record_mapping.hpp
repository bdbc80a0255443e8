// Domain <-> proto for the unary RPCs: registration and heartbeats (management.proto), job results (common.proto),
// and the admin views of jobs, workers and counters (admin.proto).
#pragma once

#include "devserver/core/control_plane.hpp"
#include "devserver/core/job_record.hpp"
#include "devserver/core/protocol_counters.hpp"
#include "devserver/core/worker_record.hpp"
#include "devserver/rpc/malformed_message.hpp"
#include "hodei/worker/v1/admin.pb.h"
#include "hodei/worker/v1/common.pb.h"
#include "hodei/worker/v1/management.pb.h"

#include <map>
#include <string>

namespace hodei::devserver::rpc {

namespace v1 = hodei::worker::v1;

// Results. from_proto throws MalformedMessage (unspecified outcome or stream).
v1::JobResult result_to_proto(const JobResult &result);
JobResult result_from_proto(const v1::JobResult &result);

// Registration and heartbeats.
WorkerRegistration registration_from_proto(const v1::RegisterRequest &request);
v1::RegisterResponse register_response_to_proto(const RegisterOutcome &outcome, const std::string &server_version);
HeartbeatReport heartbeat_from_proto(const v1::HeartbeatRequest &request);
v1::HeartbeatResponse heartbeat_response_to_proto(const HeartbeatOutcome &outcome, int64_t server_time_unix_ms);
v1::PluginDescriptor plugin_to_proto(const PluginRecord &plugin);
PluginRecord plugin_from_proto(const v1::PluginDescriptor &plugin);
v1::HostFacts host_to_proto(const HostFactsRecord &host);

// Admin views. `logs`: committed bytes per stream. `full`: include spec_json and history (GetJob), or not
// (ListJobs).
v1::JobInfo job_info_to_proto(const JobRecord &job, const std::map<LogStream, uint64_t> &logs, bool full);
v1::WorkerInfo worker_info_to_proto(const WorkerView &worker);
v1::Stats stats_to_proto(const CountersSnapshot &counters);

} // namespace hodei::devserver::rpc
