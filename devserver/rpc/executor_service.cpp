#include "devserver/rpc/executor_service.hpp"

#include "devserver/rpc/session_writer.hpp"
#include "devserver/rpc/stream_dispatch.hpp"
#include "devserver/rpc/stream_mapping.hpp"
#include "protocol/limits.hpp"

#include <chrono>
#include <spdlog/spdlog.h>
#include <thread>

namespace hodei::devserver::rpc {
namespace {

// Detaches the stream from the ControlPlane when the handler leaves, however it leaves.
class StreamRegistration {
public:
  StreamRegistration(ControlPlane &control_plane, StreamId id) : control_plane_(control_plane), id_(id) {}
  ~StreamRegistration() { close(); }
  StreamRegistration(const StreamRegistration &) = delete;
  StreamRegistration &operator=(const StreamRegistration &) = delete;

  // True when the stream was still current (its end is the peer's doing, not a replacement or shutdown).
  bool close() {
    if (closed_) return false;
    closed_ = true;
    return control_plane_.close_stream(id_);
  }

private:
  ControlPlane &control_plane_;
  StreamId id_;
  bool closed_ = false;
};

// Whether the call was cancelled (transport failure, oversized or undecodable message) rather than half-closed by
// the worker. The sync API learns of a cancellation asynchronously, possibly just after Read() returned false, so a
// clean end is only concluded after a short wait.
bool ended_by_failure(grpc::ServerContext &context) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
  while (!context.IsCancelled()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

} // namespace

grpc::Status ExecutorService::Connect(grpc::ServerContext *context, JobStream *stream) {
  if (grpc::Status status = auth_.check(*context); !status.ok()) return status;
  v1::WorkerMessage message;
  if (!stream->Read(&message)) return {grpc::StatusCode::CANCELLED, "the stream ended before Hello"};
  if (!message.has_hello()) {
    control_plane_.counters().malformed_messages += 1;
    return {grpc::StatusCode::INVALID_ARGUMENT,
            std::string("the first message must be Hello, got ") + payload_name(message)};
  }
  const v1::Hello hello = message.hello();
  auto outbox = std::make_shared<Outbox>();
  const auto opened =
      control_plane_.open_stream(hello.worker_id(), hello.session_id(), outbox, [context] { context->TryCancel(); });
  if (const auto *error = std::get_if<OpenStreamError>(&opened)) {
    if (*error == OpenStreamError::shutting_down) return {grpc::StatusCode::UNAVAILABLE, "the server is shutting down"};
    return {grpc::StatusCode::NOT_FOUND, "unknown session: Register again, then reconnect"};
  }
  const StreamId id = std::get<StreamId>(opened);
  spdlog::info("devserver: job stream {} opened by worker {}", id, hello.worker_id());

  // The stream is detached from the ControlPlane (registration.close()) before the writer is joined, and both
  // happen before this function returns: the ControlPlane's cancel callback uses `context`.
  StreamRegistration registration(control_plane_, id);
  bool peer_ended = false;
  {
    SessionWriter writer(*stream, *context, outbox,
                         control_plane_.has_feature(hello.worker_id(), protocol::kFeatureBatch));
    bool resumed = false;
    try {
      while (stream->Read(&message)) dispatch_worker_message(control_plane_, id, message, resumed);
    } catch (const std::exception &e) {
      spdlog::error("devserver: job stream {} failed: {}", id, e.what());
      registration.close();
      context->TryCancel();
      return {grpc::StatusCode::INTERNAL, e.what()};
    }
    peer_ended = registration.close();
  }
  if (peer_ended && ended_by_failure(*context)) {
    control_plane_.counters().streams_failed += 1; // transport error, oversized or undecodable message
    spdlog::warn("devserver: job stream {} of worker {} failed", id, hello.worker_id());
  } else {
    spdlog::info("devserver: job stream {} closed", id);
  }
  return grpc::Status::OK;
}

} // namespace hodei::devserver::rpc
