#include "retry_policy.hpp"

#include <algorithm>
#include <curl/curl.h>
#include <random>
#include <thread>

namespace hodei::artifact_s3 {

std::chrono::milliseconds RetryPolicy::delay_before(unsigned retry) const {
  using std::chrono::milliseconds;
  const unsigned shift = std::min(retry == 0 ? 0u : retry - 1, 30u);
  const auto base = static_cast<uint64_t>(base_delay.count());
  const auto cap = static_cast<uint64_t>(max_delay.count());
  const uint64_t ceiling = std::min<uint64_t>(cap, base << shift);
  if (ceiling == 0) return milliseconds(0);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<uint64_t> pick(ceiling / 2, ceiling);
  return milliseconds(static_cast<milliseconds::rep>(pick(rng)));
}

bool is_retryable(long http_status, int curl_code, std::string_view s3_code) noexcept {
  if (s3_code == "SlowDown" || s3_code == "RequestTimeout" || s3_code == "InternalError" ||
      s3_code == "ServiceUnavailable" || s3_code == "OperationAborted")
    return true;
  if (http_status == 0) {
    switch (curl_code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_WEIRD_SERVER_REPLY:
      return true;
    default:
      return false;
    }
  }
  // A status arrived but the body broke off (reset mid-download): as transient as a failed connect.
  if (curl_code == CURLE_PARTIAL_FILE || curl_code == CURLE_RECV_ERROR || curl_code == CURLE_SEND_ERROR ||
      curl_code == CURLE_OPERATION_TIMEDOUT || curl_code == CURLE_GOT_NOTHING)
    return true;
  return http_status == 429 || (http_status >= 500 && http_status != 501);
}

bool sleep_unless_stopped(std::chrono::milliseconds delay, const StopSignal &stop) {
  const auto deadline = std::chrono::steady_clock::now() + delay;
  for (;;) {
    if (stop.stop_requested()) return false;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return true;
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(deadline - now, std::chrono::milliseconds(50)));
  }
}

} // namespace hodei::artifact_s3
