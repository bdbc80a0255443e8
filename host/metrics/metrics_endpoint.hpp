// The worker's HTTP endpoint (metrics.listen): /metrics (Prometheus text format), /healthz (200 while the process
// serves), /readyz (200 when registered and the job stream is connected, 503 with the reason otherwise).
#pragma once

#include "http_server.hpp"
#include "worker_metrics.hpp"

#include <cstdint>
#include <string>

namespace hodei::metrics {

// The routes above; 404 for any other path.
HttpResponse route_request(const WorkerMetrics &metrics, std::string_view path);

class MetricsEndpoint {
public:
  // Binds at once (see HttpServer for the errors, which name "metrics.listen"). `metrics` outlives the endpoint.
  MetricsEndpoint(const std::string &listen, const WorkerMetrics &metrics);
  [[nodiscard]] uint16_t port() const noexcept { return server_.port(); }

private:
  HttpServer server_;
};

} // namespace hodei::metrics
