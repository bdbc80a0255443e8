#include "metrics_endpoint.hpp"

namespace hodei::metrics {

HttpResponse route_request(const WorkerMetrics &metrics, std::string_view path) {
  if (path == "/metrics") return {200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()};
  if (path == "/healthz") return {200, "text/plain; charset=utf-8", "ok\n"};
  if (path == "/readyz") {
    const Readiness readiness = metrics.readiness();
    return {readiness.ready ? 200u : 503u, "text/plain; charset=utf-8", readiness.reason + "\n"};
  }
  return {404, "text/plain; charset=utf-8", "not found (try /metrics, /healthz or /readyz)\n"};
}

MetricsEndpoint::MetricsEndpoint(const std::string &listen, const WorkerMetrics &metrics)
    : server_(
          listen, [&metrics](std::string_view path) { return route_request(metrics, path); }, "metrics.listen") {}

} // namespace hodei::metrics
