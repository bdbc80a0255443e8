// The writer thread of one job stream: pops ServerEvents from the stream's Outbox and writes them to the gRPC
// stream, in order. gRPC's sync API allows one Read and one Write in flight concurrently on a stream, so the
// handler thread keeps reading while this thread writes.
//
// RAII: the constructor starts the thread; the destructor closes the outbox (what is queued is still written),
// and joins. If a write fails (peer gone, call cancelled) the outbox is abandoned and the call cancelled, so the
// reader's Read() returns false too.
#pragma once

#include "devserver/core/outbox.hpp"
#include "hodei/worker/v1/executor.pb.h"

#include <grpcpp/server_context.h>
#include <grpcpp/support/sync_stream.h>
#include <memory>
#include <thread>

namespace hodei::devserver::rpc {

using JobStream = grpc::ServerReaderWriter<hodei::worker::v1::ServerMessage, hodei::worker::v1::WorkerMessage>;

class SessionWriter {
public:
  SessionWriter(JobStream &stream, grpc::ServerContext &context, std::shared_ptr<Outbox> outbox);
  ~SessionWriter();
  SessionWriter(const SessionWriter &) = delete;
  SessionWriter &operator=(const SessionWriter &) = delete;

private:
  void run();

  JobStream &stream_;
  grpc::ServerContext &context_;
  std::shared_ptr<Outbox> outbox_;
  std::thread thread_; // last member: started after everything it uses is initialized
};

} // namespace hodei::devserver::rpc
