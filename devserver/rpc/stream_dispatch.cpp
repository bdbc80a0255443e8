#include "devserver/rpc/stream_dispatch.hpp"

#include "devserver/rpc/stream_mapping.hpp"

namespace hodei::devserver::rpc {
namespace {

// Each entry as if it came alone; the entries a batch may not hold are refused one by one (no recursion: a nested
// batch is refused, not opened).
void dispatch_batch(ControlPlane &control_plane, StreamId id, v1::WorkerBatch &batch, bool &resumed) {
  if (batch.messages().empty()) throw MalformedMessage("WorkerBatch with no message");
  for (v1::WorkerMessage &entry : *batch.mutable_messages()) {
    if (entry.has_hello() || entry.has_resume() || entry.has_batch()) {
      control_plane.on_malformed(id, payload_name(entry),
                                 std::string(payload_name(entry)) + " may not be sent inside a WorkerBatch",
                                 lease_of(entry));
      continue;
    }
    dispatch_worker_message(control_plane, id, entry, resumed);
  }
}

} // namespace

void dispatch_worker_message(ControlPlane &control_plane, StreamId id, v1::WorkerMessage &message, bool &resumed) {
  const char *event = payload_name(message);
  try {
    if (!resumed && !message.has_resume()) {
      throw MalformedMessage(std::string("expected Resume as the second message, got ") + event);
    }
    switch (message.payload_case()) {
    case v1::WorkerMessage::kResume:
      if (resumed) {
        control_plane.on_resume(id, {}); // refused (and counted) by the control plane: once per stream
        return;
      }
      {
        const std::vector<ResumedJobIn> jobs = resume_from_proto(message.resume());
        resumed = true;
        control_plane.on_resume(id, jobs);
      }
      return;
    case v1::WorkerMessage::kCredits:
      control_plane.on_credits(id, message.credits().free_slots(), message.credits().assignments_received());
      return;
    case v1::WorkerMessage::kAccept:
      control_plane.on_accept(id, lease_from_proto(message.accept().lease(), "accept.lease"),
                              message.accept().accepted_unix_ms());
      return;
    case v1::WorkerMessage::kReject:
      control_plane.on_reject(id, reject_from_proto(message.reject()));
      return;
    case v1::WorkerMessage::kStatus:
      control_plane.on_status(id, status_from_proto(message.status()));
      return;
    case v1::WorkerMessage::kLog:
      control_plane.on_log(id, log_from_proto(std::move(*message.mutable_log())));
      return;
    case v1::WorkerMessage::kFinished:
      control_plane.on_finished(id, finished_from_proto(message.finished()));
      return;
    case v1::WorkerMessage::kUpdate:
      control_plane.on_worker_update(id, update_from_proto(message.update()));
      return;
    case v1::WorkerMessage::kBatch:
      dispatch_batch(control_plane, id, *message.mutable_batch(), resumed);
      return;
    case v1::WorkerMessage::kHello:
      throw MalformedMessage("Hello may be sent only once, as the first message");
    case v1::WorkerMessage::PAYLOAD_NOT_SET:
      throw MalformedMessage("WorkerMessage with no payload set");
    }
  } catch (const MalformedMessage &e) {
    control_plane.on_malformed(id, event, e.what(), lease_of(message));
  }
}

} // namespace hodei::devserver::rpc
