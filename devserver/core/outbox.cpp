#include "devserver/core/outbox.hpp"

namespace hodei::devserver {

bool Outbox::push(ServerEvent event, uint64_t durable_seq) {
  {
    const std::lock_guard lock(mutex_);
    if (closed_) return false;
    events_.emplace_back(durable_seq, std::move(event));
  }
  ready_.notify_one();
  return true;
}

std::optional<ServerEvent> Outbox::pop() {
  std::unique_lock lock(mutex_);
  ready_.wait(lock, [&] { return closed_ || !events_.empty(); });
  if (events_.empty()) return std::nullopt;
  auto [seq, event] = std::move(events_.front());
  events_.pop_front();
  const Barrier barrier = barrier_;
  lock.unlock();
  if (seq > 0 && barrier && !barrier(seq)) return std::nullopt; // one consumer: the order is kept
  return std::move(event);
}

void Outbox::set_barrier(Barrier barrier) {
  const std::lock_guard lock(mutex_);
  barrier_ = std::move(barrier);
}

void Outbox::close() {
  {
    const std::lock_guard lock(mutex_);
    closed_ = true;
  }
  ready_.notify_all();
}

void Outbox::abandon() {
  {
    const std::lock_guard lock(mutex_);
    closed_ = true;
    events_.clear();
  }
  ready_.notify_all();
}

} // namespace hodei::devserver
