#include "serve_metrics.hpp"

#include "artifacts/artifact_cache.hpp"
#include "artifacts/artifact_manager.hpp"
#include "hodei/abi.h"
#include "metrics/listen_address.hpp"
#include "plugin-host/plugin_registry.hpp"
#include "version.hpp"

#include <spdlog/spdlog.h>
#include <stdexcept>
#include <string>

namespace hodei::cli {

ServeMetrics start_serve_metrics(const std::string &listen, const plugins::PluginRegistry &registry) {
  ServeMetrics out;
  if (listen.empty()) return out;
  out.metrics = std::make_unique<metrics::WorkerMetrics>(
      metrics::BuildInfo{version, std::to_string(HODEI_ABI_MAJOR) + "." + std::to_string(HODEI_ABI_MINOR)});
  out.metrics->declare_executors(registry.executor_names());
  out.metrics->plugin_load_failures(registry.refusals().size());
  out.endpoint = std::make_unique<metrics::MetricsEndpoint>(listen, *out.metrics);
  spdlog::info("metrics on http://{}/metrics (health: /healthz, readiness: /readyz)", listen);
  return out;
}

std::string metrics_listen_problem(const std::string &listen) {
  if (listen.empty()) return "";
  try {
    (void)metrics::parse_listen_address(listen, "$.metrics.listen");
    return "";
  } catch (const std::invalid_argument &e) {
    return e.what();
  }
}

std::function<void()> publishing_artifact_totals(std::function<void()> next, metrics::WorkerMetrics *metrics,
                                                 const artifacts::ArtifactCache &cache,
                                                 const artifacts::ArtifactManager &manager) {
  if (metrics == nullptr) return next;
  return [next = std::move(next), metrics, &cache, &manager] {
    if (next) next();
    const artifacts::CacheStats stats = cache.stats();
    const artifacts::TransferTotals transfers = manager.transfer_totals();
    metrics::ArtifactTotals totals;
    totals.cache_hits = stats.hits;
    totals.cache_misses = stats.misses;
    totals.cache_evictions = stats.evictions;
    totals.cache_size_bytes = stats.size_bytes;
    totals.cache_entries = stats.entries;
    totals.downloaded_bytes = transfers.downloaded_bytes;
    totals.uploaded_bytes = transfers.uploaded_bytes;
    metrics->publish(totals);
  };
}

} // namespace hodei::cli
