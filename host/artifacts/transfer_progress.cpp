#include "transfer_progress.hpp"

#include <cstdio>

namespace hodei::artifacts {

namespace {
constexpr auto report_every = std::chrono::seconds(5);

std::string rate(uint64_t bytes, std::chrono::steady_clock::duration elapsed) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  if (seconds <= 0.0) return "-";
  return human_bytes(static_cast<uint64_t>(static_cast<double>(bytes) / seconds)) + "/s";
}
} // namespace

std::string human_bytes(uint64_t bytes) {
  static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

TransferProgress::TransferProgress(std::string verb, std::string uri, const ProgressFn &progress)
    : verb_(std::move(verb)), uri_(std::move(uri)), progress_(progress) {}

void TransferProgress::add(uint64_t bytes) {
  bytes_ += bytes;
  const Clock::time_point now = Clock::now();
  if (now - last_report_ >= report_every && progress_) {
    last_report_ = now;
    progress_(verb_ + " " + uri_ + ": " + human_bytes(bytes_) + " so far (" + rate(bytes_, now - start_) + ")");
  }
}

void TransferProgress::finish() {
  if (progress_) {
    progress_(verb_ + " " + uri_ + ": done, " + human_bytes(bytes_) + " (" + rate(bytes_, Clock::now() - start_) + ")");
  }
}

} // namespace hodei::artifacts
