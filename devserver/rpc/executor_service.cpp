#include "devserver/rpc/executor_service.hpp"

#include "devserver/rpc/session_writer.hpp"
#include "devserver/rpc/stream_mapping.hpp"

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
    SessionWriter writer(*stream, *context, outbox);
    bool resumed = false;
    try {
      while (stream->Read(&message)) dispatch(id, message, resumed);
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

void ExecutorService::dispatch(StreamId id, v1::WorkerMessage &message, bool &resumed) {
  const char *event = payload_name(message);
  try {
    if (!resumed && !message.has_resume()) {
      throw MalformedMessage(std::string("expected Resume as the second message, got ") + event);
    }
    switch (message.payload_case()) {
    case v1::WorkerMessage::kResume:
      if (resumed) {
        control_plane_.on_resume(id, {}); // refused (and counted) by the control plane: once per stream
        return;
      }
      {
        const std::vector<ResumedJobIn> jobs = resume_from_proto(message.resume());
        resumed = true;
        control_plane_.on_resume(id, jobs);
      }
      return;
    case v1::WorkerMessage::kCredits:
      control_plane_.on_credits(id, message.credits().free_slots(), message.credits().assignments_received());
      return;
    case v1::WorkerMessage::kAccept:
      control_plane_.on_accept(id, lease_from_proto(message.accept().lease(), "accept.lease"),
                               message.accept().accepted_unix_ms());
      return;
    case v1::WorkerMessage::kReject:
      control_plane_.on_reject(id, reject_from_proto(message.reject()));
      return;
    case v1::WorkerMessage::kStatus:
      control_plane_.on_status(id, status_from_proto(message.status()));
      return;
    case v1::WorkerMessage::kLog:
      control_plane_.on_log(id, log_from_proto(std::move(*message.mutable_log())));
      return;
    case v1::WorkerMessage::kFinished:
      control_plane_.on_finished(id, finished_from_proto(message.finished()));
      return;
    case v1::WorkerMessage::kUpdate:
      control_plane_.on_worker_update(id, update_from_proto(message.update()));
      return;
    case v1::WorkerMessage::kHello:
      throw MalformedMessage("Hello may be sent only once, as the first message");
    case v1::WorkerMessage::PAYLOAD_NOT_SET:
      throw MalformedMessage("WorkerMessage with no payload set");
    }
  } catch (const MalformedMessage &e) {
    control_plane_.on_malformed(id, event, e.what(), lease_of(message));
  }
}

} // namespace hodei::devserver::rpc
