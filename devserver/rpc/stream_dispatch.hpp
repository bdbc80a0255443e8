// One WorkerMessage of a job stream (after Hello) applied to the ControlPlane: mapped with stream_mapping.hpp and
// handed to the matching ControlPlane::on_* call. Free of gRPC so that tests and fuzz/devserver_protocol.cpp can
// drive the server's handling of worker messages without a network.
#pragma once

#include "devserver/core/control_plane.hpp"
#include "hodei/worker/v1/executor.pb.h"

namespace hodei::devserver::rpc {

// Applies `message` (its log bytes may be moved out). `resumed`: whether the stream's Resume was seen (set here).
// Malformed messages (missing field, unknown enum, wrong order) are refused and counted through
// ControlPlane::on_malformed; the stream goes on.
void dispatch_worker_message(ControlPlane &control_plane, StreamId id, hodei::worker::v1::WorkerMessage &message,
                             bool &resumed);

} // namespace hodei::devserver::rpc
