// Why a running request should stop early: the host cancelled the transfer, or a sibling part of the same
// multipart upload failed (then the sibling reports the real error).
#pragma once

#include <atomic>
#include <hodei/sdk.hpp>

namespace hodei::artifact_s3 {

class StopSignal {
public:
  StopSignal() noexcept = default;
  explicit StopSignal(const sdk::CancelToken *cancel, const std::atomic<bool> *sibling_failed = nullptr) noexcept
      : cancel_(cancel), sibling_failed_(sibling_failed) {}

  [[nodiscard]] bool stop_requested() const noexcept {
    return (sibling_failed_ != nullptr && sibling_failed_->load(std::memory_order_relaxed)) ||
           (cancel_ != nullptr && cancel_->cancelled());
  }
  void throw_if_stopped() const {
    if (stop_requested()) throw sdk::Error(HODEI_ERR_CANCELLED, "transfer cancelled");
  }

private:
  const sdk::CancelToken *cancel_ = nullptr;
  const std::atomic<bool> *sibling_failed_ = nullptr;
};

} // namespace hodei::artifact_s3
