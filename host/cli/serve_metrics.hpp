// The metrics of `serve` (metrics.listen): the WorkerMetrics the agent reports to, the HTTP endpoint serving them,
// and the housekeeping tick that publishes the artifact cache and transfer totals.
#pragma once

#include "metrics/metrics_endpoint.hpp"
#include "metrics/worker_metrics.hpp"

#include <functional>
#include <memory>
#include <string>

namespace hodei::plugins {
class PluginRegistry;
}
namespace hodei::artifacts {
class ArtifactCache;
class ArtifactManager;
} // namespace hodei::artifacts

namespace hodei::cli {

struct ServeMetrics {
  std::unique_ptr<metrics::WorkerMetrics> metrics; // declared first: the endpoint reads it until it stops
  std::unique_ptr<metrics::MetricsEndpoint> endpoint;
};

// Nothing (both nullptr) when `listen` is empty. Otherwise the metrics, with the registry's executors declared and
// its refusals counted, served on `listen`. Throws std::invalid_argument for a malformed address and
// std::runtime_error when it cannot listen; both messages start with "metrics.listen".
ServeMetrics start_serve_metrics(const std::string &listen, const plugins::PluginRegistry &registry);

// "" when `listen` is empty or well-formed; otherwise the problem, as `config check` prints it ("$.metrics.listen:
// ...").
std::string metrics_listen_problem(const std::string &listen);

// A housekeeping tick: `next` (may be empty), then the artifact totals published to `metrics` (may be nullptr).
std::function<void()> publishing_artifact_totals(std::function<void()> next, metrics::WorkerMetrics *metrics,
                                                 const artifacts::ArtifactCache &cache,
                                                 const artifacts::ArtifactManager &manager);

} // namespace hodei::cli
