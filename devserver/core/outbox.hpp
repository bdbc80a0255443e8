// The queue of ServerEvents waiting to be written to one worker's job stream. Any thread pushes (the stream's own
// reader, the admin API, the lease reaper); the stream's writer thread pops. Unbounded: a worker that stops reading
// is detected by gRPC (the write fails or the lease expires) and its stream is cancelled, which closes the outbox.
#pragma once

#include "devserver/core/session_messages.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace hodei::devserver {

class Outbox {
public:
  // Queues an event; false (event dropped) once closed.
  bool push(ServerEvent event);

  // The next event, waiting for one; nullopt once closed and empty.
  std::optional<ServerEvent> pop();

  // Refuses further pushes; pop() still returns what is queued, then nullopt.
  void close();

  // Drops what is queued and closes (the stream is gone: nothing more can be written).
  void abandon();

private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<ServerEvent> events_;
  bool closed_ = false;
};

} // namespace hodei::devserver
