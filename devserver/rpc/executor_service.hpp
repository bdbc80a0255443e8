// JobExecutorService.Connect: the job stream of one worker session.
//
// Threading (sync gRPC API, a thread per stream; chosen over the callback API because the devserver serves a
// handful of workers, its handlers do blocking file I/O (fsync of logs and job records) that must not run on
// gRPC's event-engine threads, and a linear read loop keeps the protocol's ordering rules readable):
//   - the gRPC handler thread reads WorkerMessages and applies them to the ControlPlane, in order;
//   - a SessionWriter thread, owned by the handler's frame, writes the ServerEvents queued in the stream's Outbox.
// Handler exit order: detach the stream from the ControlPlane (no new events are queued), then close the outbox
// and join the writer (queued acks are still written), then return the status.
#pragma once

#include "devserver/core/control_plane.hpp"
#include "devserver/rpc/bearer_auth.hpp"
#include "hodei/worker/v1/executor.grpc.pb.h"

namespace hodei::devserver::rpc {

class ExecutorService final : public hodei::worker::v1::JobExecutorService::Service {
public:
  ExecutorService(ControlPlane &control_plane, const BearerAuth &auth) : control_plane_(control_plane), auth_(auth) {}

  grpc::Status Connect(
      grpc::ServerContext *context,
      grpc::ServerReaderWriter<hodei::worker::v1::ServerMessage, hodei::worker::v1::WorkerMessage> *stream) override;

private:
  ControlPlane &control_plane_;
  const BearerAuth &auth_;
};

} // namespace hodei::devserver::rpc
