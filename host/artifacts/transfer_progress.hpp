// Progress lines for large transfers: at most one line every few seconds, and a final one with size and rate.
#pragma once

#include "artifact_manager.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace hodei::artifacts {

std::string human_bytes(uint64_t bytes);

class TransferProgress {
public:
  TransferProgress(std::string verb, std::string uri, const ProgressFn &progress);
  void add(uint64_t bytes);
  void finish();

private:
  using Clock = std::chrono::steady_clock;
  std::string verb_;
  std::string uri_;
  const ProgressFn &progress_;
  uint64_t bytes_ = 0;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_report_ = start_;
};

} // namespace hodei::artifacts
