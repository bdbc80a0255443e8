// The writer thread of one job stream: pops ServerEvents from the stream's Outbox and writes them to the gRPC
// stream, in order. With `batch` (the worker was granted the "batch" feature) every event ready at once goes out as
// one ServerBatch (up to kMaxBatchEvents events and about kMaxBatchBytes), which saves a write and the worker a read
// per event. gRPC's sync API allows one Read and one Write in flight concurrently on a stream, so the
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
  static constexpr size_t kMaxBatchEvents = 64;
  static constexpr size_t kMaxBatchBytes =
      size_t{1024} * 1024; // a batch stops growing past this: one message stays < 4 MiB

  SessionWriter(JobStream &stream, grpc::ServerContext &context, std::shared_ptr<Outbox> outbox, bool batch);
  ~SessionWriter();
  SessionWriter(const SessionWriter &) = delete;
  SessionWriter &operator=(const SessionWriter &) = delete;

private:
  void run();
  bool write(const hodei::worker::v1::ServerMessage &message);
  // Writes `events` as few ServerBatch messages (a single event as itself); false when a write failed.
  bool write_batched(const std::vector<ServerEvent> &events);

  JobStream &stream_;
  grpc::ServerContext &context_;
  std::shared_ptr<Outbox> outbox_;
  bool batch_;
  std::thread thread_; // last member: started after everything it uses is initialized
};

} // namespace hodei::devserver::rpc
