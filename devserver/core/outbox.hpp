// The queue of ServerEvents waiting to be written to one worker's job stream. Any thread pushes (the stream's own
// reader, the admin API, the lease reaper); the stream's writer thread pops. Unbounded: a worker that stops reading
// is detected by gRPC (the write fails or the lease expires) and its stream is cancelled, which closes the outbox.
//
// Durability: an event carries the state journal's sequence number it depends on (the record of the assignment or
// result it announces, the log bytes it acknowledges); pop() hands it out only after the barrier (set by the
// control plane: Journal::wait_durable) says that number is durable. The wait runs on the writer's thread, outside
// the control plane's mutex; events leave in push order.
#pragma once

#include "devserver/core/session_messages.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace hodei::devserver {

class Outbox {
public:
  // Blocks until the sequence number is durable; false when it never will be (shutdown).
  using Barrier = std::function<bool(uint64_t)>;

  // Queues an event that may leave once `durable_seq` is durable (0: at once); false (event dropped) once closed.
  bool push(ServerEvent event, uint64_t durable_seq = 0);

  // The next event, waiting for one and for its sequence number; nullopt once closed and empty (or when the
  // barrier gives up).
  std::optional<ServerEvent> pop();

  // Like pop(), but takes every event queued (up to `max_events`, at least one) and waits once, for the largest
  // sequence number among them (durability is monotonic: that covers the others). Empty once closed and empty (or
  // when the barrier gives up). For writing them as one ServerBatch.
  std::vector<ServerEvent> pop_all(size_t max_events);

  // Set before the first push (ControlPlane::open_stream). Without one, events leave at once.
  void set_barrier(Barrier barrier);

  // Refuses further pushes; pop() still returns what is queued, then nullopt.
  void close();

  // Drops what is queued and closes (the stream is gone: nothing more can be written).
  void abandon();

private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::pair<uint64_t, ServerEvent>> events_;
  Barrier barrier_;
  bool closed_ = false;
};

} // namespace hodei::devserver
