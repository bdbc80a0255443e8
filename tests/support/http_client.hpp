// A real HTTP client for tests (libcurl): one request, status, headers and body.
#pragma once

#include <string>

namespace hodei::test {

struct HttpResult {
  long status = 0;     // 0 when the request failed (error says why)
  std::string headers; // raw header block
  std::string body;
  std::string error;
};

// `method`: GET, HEAD or any other verb. Times out after a few seconds.
HttpResult http_request(const std::string &url, const std::string &method = "GET");

// The value of the sample `series` (e.g. "hodei_worker_running_jobs" or
// "hodei_worker_jobs_finished_total{executor=\"shell\",outcome=\"failed\"}") in a text exposition; -1 when absent.
// Labels are matched in the order prometheus-cpp writes them (alphabetical).
double sample_value(const std::string &exposition, const std::string &series);

} // namespace hodei::test
