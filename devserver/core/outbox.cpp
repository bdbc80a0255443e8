#include "devserver/core/outbox.hpp"

#include <algorithm>

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
  std::vector<ServerEvent> events = pop_all(1);
  if (events.empty()) return std::nullopt;
  return std::move(events.front());
}

std::vector<ServerEvent> Outbox::pop_all(size_t max_events) {
  std::unique_lock lock(mutex_);
  ready_.wait(lock, [&] { return closed_ || !events_.empty(); });
  std::vector<ServerEvent> out;
  uint64_t seq = 0; // pushes take growing sequence numbers, but do not rely on it
  while (!events_.empty() && out.size() < std::max<size_t>(max_events, 1)) {
    seq = std::max(seq, events_.front().first);
    out.push_back(std::move(events_.front().second));
    events_.pop_front();
  }
  if (out.empty()) return out;
  const Barrier barrier = barrier_;
  lock.unlock();
  if (seq > 0 && barrier && !barrier(seq)) return {}; // one consumer: the order is kept
  return out;
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
