#include "devserver/rpc/session_writer.hpp"

#include "devserver/rpc/stream_mapping.hpp"

namespace hodei::devserver::rpc {

SessionWriter::SessionWriter(JobStream &stream, grpc::ServerContext &context, std::shared_ptr<Outbox> outbox)
    : stream_(stream), context_(context), outbox_(std::move(outbox)), thread_([this] { run(); }) {}

SessionWriter::~SessionWriter() {
  outbox_->close();
  if (thread_.joinable()) thread_.join();
}

void SessionWriter::run() {
  while (std::optional<ServerEvent> event = outbox_->pop()) {
    if (!stream_.Write(server_message_to_proto(*event))) {
      outbox_->abandon();
      context_.TryCancel();
      return;
    }
  }
}

} // namespace hodei::devserver::rpc
