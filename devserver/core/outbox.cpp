#include "devserver/core/outbox.hpp"

namespace hodei::devserver {

bool Outbox::push(ServerEvent event) {
  {
    const std::lock_guard lock(mutex_);
    if (closed_) return false;
    events_.push_back(std::move(event));
  }
  ready_.notify_one();
  return true;
}

std::optional<ServerEvent> Outbox::pop() {
  std::unique_lock lock(mutex_);
  ready_.wait(lock, [&] { return closed_ || !events_.empty(); });
  if (events_.empty()) return std::nullopt;
  ServerEvent event = std::move(events_.front());
  events_.pop_front();
  return event;
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
