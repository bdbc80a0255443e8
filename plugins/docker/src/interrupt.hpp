// Interrupt: lets one thread abort the blocking I/O another thread is doing on an HttpConnection (a cancel arriving
// during an image pull, a job being destroyed while its step's output stream is still open).
//
// A connection registers a hook for as long as it lives (Interrupt::Hook, RAII). trigger() runs every registered hook
// once and marks the interrupt, so a connection created afterwards fails at once. Hooks run under the interrupt's
// mutex and must only schedule work (never block); the Hook destructor takes the same mutex, so once it returned the
// hook can no longer run and the connection may be destroyed.
#pragma once

#include <functional>
#include <list>
#include <mutex>

namespace hodei::docker {

class Interrupt {
public:
  Interrupt() = default;
  Interrupt(const Interrupt &) = delete;
  Interrupt &operator=(const Interrupt &) = delete;

  // Any thread; idempotent.
  void trigger() {
    std::lock_guard lock(mutex_);
    if (triggered_) return;
    triggered_ = true;
    for (const auto &hook : hooks_) hook();
  }

  [[nodiscard]] bool triggered() const {
    std::lock_guard lock(mutex_);
    return triggered_;
  }

  class Hook {
  public:
    // `interrupt` may be null (nothing to register). When it has already been triggered, `fn` runs right away.
    Hook(Interrupt *interrupt, std::function<void()> fn) : interrupt_(interrupt) {
      if (interrupt_ == nullptr) return;
      std::lock_guard lock(interrupt_->mutex_);
      it_ = interrupt_->hooks_.insert(interrupt_->hooks_.end(), std::move(fn));
      if (interrupt_->triggered_) (*it_)();
    }
    Hook(const Hook &) = delete;
    Hook &operator=(const Hook &) = delete;
    ~Hook() {
      if (interrupt_ == nullptr) return;
      std::lock_guard lock(interrupt_->mutex_);
      interrupt_->hooks_.erase(it_);
    }

  private:
    Interrupt *interrupt_;
    std::list<std::function<void()>>::iterator it_;
  };

private:
  mutable std::mutex mutex_;
  bool triggered_ = false;
  std::list<std::function<void()>> hooks_;
};

} // namespace hodei::docker
