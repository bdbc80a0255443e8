#include "devserver/rpc/session_writer.hpp"

#include "devserver/rpc/stream_mapping.hpp"

namespace hodei::devserver::rpc {

SessionWriter::SessionWriter(JobStream &stream, grpc::ServerContext &context, std::shared_ptr<Outbox> outbox,
                             bool batch)
    : stream_(stream), context_(context), outbox_(std::move(outbox)), batch_(batch), thread_([this] { run(); }) {}

SessionWriter::~SessionWriter() {
  outbox_->close();
  if (thread_.joinable()) thread_.join();
}

void SessionWriter::run() {
  for (;;) {
    const std::vector<ServerEvent> events = outbox_->pop_all(batch_ ? kMaxBatchEvents : 1);
    if (events.empty()) return;
    if (!write_batched(events)) {
      outbox_->abandon();
      context_.TryCancel();
      return;
    }
  }
}

bool SessionWriter::write(const v1::ServerMessage &message) {
  if (message.has_batch() && message.batch().messages_size() == 1) return stream_.Write(message.batch().messages(0));
  return stream_.Write(message);
}

bool SessionWriter::write_batched(const std::vector<ServerEvent> &events) {
  if (events.size() == 1) return write(server_message_to_proto(events.front()));
  v1::ServerMessage batch;
  size_t bytes = 0;
  for (const ServerEvent &event : events) {
    v1::ServerMessage message = server_message_to_proto(event);
    const size_t size = message.ByteSizeLong();
    if (bytes > 0 && bytes + size > kMaxBatchBytes) {
      if (!write(batch)) return false;
      batch.Clear();
      bytes = 0;
    }
    *batch.mutable_batch()->add_messages() = std::move(message);
    bytes += size;
  }
  return write(batch); // a batch of one goes as the message itself
}

} // namespace hodei::devserver::rpc
