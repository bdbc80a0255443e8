// Which failed requests are worth repeating, and how long to wait before the next attempt.
#pragma once

#include "stop_signal.hpp"

#include <chrono>
#include <string_view>

namespace hodei::artifact_s3 {

struct RetryPolicy {
  unsigned max_retries = 5;
  std::chrono::milliseconds base_delay{200};
  std::chrono::milliseconds max_delay{20'000};

  // Exponential backoff with "equal jitter": the ceiling doubles per retry (base * 2^(retry-1), capped at
  // max_delay) and the delay is uniformly random in [ceiling / 2, ceiling]. `retry` counts from 1.
  [[nodiscard]] std::chrono::milliseconds delay_before(unsigned retry) const;
};

// Transient failures: connection-level errors (no HTTP status: refused, reset, timed out, TLS handshake), HTTP
// 5xx except 501, 429, and the S3 codes SlowDown, RequestTimeout, InternalError, ServiceUnavailable,
// OperationAborted. Everything else (other 4xx: auth, missing object, bad digest...) is final.
bool is_retryable(long http_status, int curl_code, std::string_view s3_code) noexcept;

// Sleeps `delay` in small slices; returns false as soon as `stop` asks to stop.
bool sleep_unless_stopped(std::chrono::milliseconds delay, const StopSignal &stop);

} // namespace hodei::artifact_s3
