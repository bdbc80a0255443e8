#include "worker_metrics.hpp"

#include <algorithm>
#include <mutex>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace hodei::metrics {

namespace {

using prometheus::Counter;
using prometheus::Gauge;
using prometheus::Histogram;

// Jobs last from seconds (a shell step) to hours (a build): buckets from 0.5 s to 3 h.
Histogram::BucketBoundaries duration_buckets() {
  return {0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 10800};
}

// runner::JobOutcome's names (docs/operations.md).
constexpr const char *kOutcomes[] = {"succeeded", "failed", "cancelled", "timed_out", "error"};

prometheus::Family<Counter> &counter_family(prometheus::Registry &r, const char *name, const char *help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}
Counter &counter(prometheus::Registry &r, const char *name, const char *help) {
  return counter_family(r, name, help).Add({});
}
Gauge &gauge(prometheus::Registry &r, const char *name, const char *help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
}

// A counter that follows a cumulative total kept elsewhere: it advances by what the total grew since last time.
class FollowedCounter {
public:
  explicit FollowedCounter(Counter &counter) : counter_(counter) {}
  void follow(uint64_t total) { // callers hold Impl::follow_mutex
    if (total > last_)
      counter_.Increment(static_cast<double>(total - last_));
    else if (total < last_)
      counter_.Increment(static_cast<double>(total)); // the source started over
    last_ = total;
  }

private:
  Counter &counter_;
  uint64_t last_ = 0;
};

} // namespace

struct WorkerMetrics::Impl {
  explicit Impl(const BuildInfo &build)
      : jobs_started(counter_family(r, "hodei_worker_jobs_started_total", "Jobs accepted, by executor")),
        jobs_finished(counter_family(r, "hodei_worker_jobs_finished_total", "Jobs finished, by outcome and executor")),
        job_duration(prometheus::BuildHistogram()
                         .Name("hodei_worker_job_duration_seconds")
                         .Help("Time from accepting a job to its result, by outcome and executor")
                         .Register(r)),
        running_jobs(gauge(r, "hodei_worker_running_jobs", "Jobs accepted and not finished")),
        free_slots(gauge(r, "hodei_worker_free_slots", "Job slots offered to the server (0 while draining)")),
        log_sent(counter(r, "hodei_worker_log_bytes_sent_total",
                         "Log bytes sent to the server (bytes resent after a reconnect count again)")),
        log_acked(counter(r, "hodei_worker_log_bytes_acked_total", "Log bytes the server acknowledged")),
        log_spooled(counter(r, "hodei_worker_log_bytes_spooled_total",
                            "Log bytes written to the disk spool (past the memory buffer)")),
        spool_bytes(gauge(r, "hodei_worker_spool_bytes", "Log bytes in the disk spool now")),
        downloaded(counter(r, "hodei_worker_artifact_downloaded_bytes_total",
                           "Artifact bytes downloaded through the backends")),
        uploaded(
            counter(r, "hodei_worker_artifact_uploaded_bytes_total", "Artifact bytes uploaded through the backends")),
        cache_hits(counter(r, "hodei_worker_artifact_cache_hits_total", "Artifact inputs served from the cache")),
        cache_misses(counter(r, "hodei_worker_artifact_cache_misses_total",
                             "Artifact inputs fetched because the cache did not have them (or had them corrupt)")),
        cache_evictions(
            counter(r, "hodei_worker_artifact_cache_evictions_total", "Cache entries removed to stay under the quota")),
        cache_size(gauge(r, "hodei_worker_artifact_cache_size_bytes", "Bytes in the artifact cache")),
        cache_entries(gauge(r, "hodei_worker_artifact_cache_entries", "Entries in the artifact cache")),
        reconnects(counter(r, "hodei_worker_reconnects_total", "Times the job stream opened again after it was lost")),
        plugin_failures(counter(r, "hodei_worker_plugin_load_failures_total",
                                "Plugin files refused at load (hodei-worker plugins list says why)")),
        registered(gauge(r, "hodei_worker_registered", "1 while the worker holds a session with the server")),
        connected(gauge(r, "hodei_worker_connected", "1 while the job stream to the server is open")),
        draining(gauge(r, "hodei_worker_draining", "1 while the worker drains (takes no new jobs)")),
        followed_spooled(log_spooled), followed_downloaded(downloaded), followed_uploaded(uploaded),
        followed_hits(cache_hits), followed_misses(cache_misses), followed_evictions(cache_evictions) {
    prometheus::BuildGauge()
        .Name("hodei_worker_build_info")
        .Help("The worker's version and plugin ABI version (always 1)")
        .Register(r)
        .Add({{"version", build.version}, {"abi_version", build.abi_version}})
        .Set(1);
  }

  prometheus::Registry r;
  prometheus::Family<Counter> &jobs_started;
  prometheus::Family<Counter> &jobs_finished;
  prometheus::Family<Histogram> &job_duration;
  Gauge &running_jobs;
  Gauge &free_slots;
  Counter &log_sent;
  Counter &log_acked;
  Counter &log_spooled;
  Gauge &spool_bytes;
  Counter &downloaded;
  Counter &uploaded;
  Counter &cache_hits;
  Counter &cache_misses;
  Counter &cache_evictions;
  Gauge &cache_size;
  Gauge &cache_entries;
  Counter &reconnects;
  Counter &plugin_failures;
  Gauge &registered;
  Gauge &connected;
  Gauge &draining;

  std::mutex follow_mutex; // the FollowedCounters' last values
  FollowedCounter followed_spooled;
  FollowedCounter followed_downloaded;
  FollowedCounter followed_uploaded;
  FollowedCounter followed_hits;
  FollowedCounter followed_misses;
  FollowedCounter followed_evictions;

  mutable std::mutex state_mutex;
  bool state_published = false;
  bool is_registered = false;
  bool is_connected = false;
};

WorkerMetrics::WorkerMetrics(const BuildInfo &build) : impl_(std::make_unique<Impl>(build)) {}

WorkerMetrics::~WorkerMetrics() = default;

std::string WorkerMetrics::executor_label(std::string_view executor) {
  const size_t dot = executor.rfind('.');
  return std::string(dot == std::string_view::npos ? executor : executor.substr(dot + 1));
}

void WorkerMetrics::declare_executors(const std::vector<std::string> &executors) {
  for (const std::string &executor : executors) {
    const std::string label = executor_label(executor);
    impl_->jobs_started.Add({{"executor", label}});
    for (const char *outcome : kOutcomes) {
      const prometheus::Labels labels{{"executor", label}, {"outcome", outcome}};
      impl_->jobs_finished.Add(labels);
      impl_->job_duration.Add(labels, duration_buckets());
    }
  }
}

void WorkerMetrics::job_started(std::string_view executor) {
  impl_->jobs_started.Add({{"executor", executor_label(executor)}}).Increment();
}

void WorkerMetrics::job_finished(std::string_view executor, std::string_view outcome,
                                 std::chrono::duration<double> duration) {
  const prometheus::Labels labels{{"executor", executor_label(executor)}, {"outcome", std::string(outcome)}};
  impl_->jobs_finished.Add(labels).Increment();
  impl_->job_duration.Add(labels, duration_buckets()).Observe(std::max(0.0, duration.count()));
}

void WorkerMetrics::log_bytes_sent(uint64_t bytes) { impl_->log_sent.Increment(static_cast<double>(bytes)); }
void WorkerMetrics::log_bytes_acked(uint64_t bytes) { impl_->log_acked.Increment(static_cast<double>(bytes)); }
void WorkerMetrics::reconnected() { impl_->reconnects.Increment(); }
void WorkerMetrics::plugin_load_failures(uint64_t count) {
  impl_->plugin_failures.Increment(static_cast<double>(count));
}

void WorkerMetrics::publish(const AgentState &state) {
  impl_->running_jobs.Set(state.running_jobs);
  impl_->free_slots.Set(state.free_slots);
  impl_->spool_bytes.Set(static_cast<double>(state.spool_bytes));
  impl_->registered.Set(state.registered ? 1 : 0);
  impl_->connected.Set(state.connected ? 1 : 0);
  impl_->draining.Set(state.draining ? 1 : 0);
  {
    const std::lock_guard lock(impl_->follow_mutex);
    impl_->followed_spooled.follow(state.spooled_bytes_total);
  }
  const std::lock_guard lock(impl_->state_mutex);
  impl_->state_published = true;
  impl_->is_registered = state.registered;
  impl_->is_connected = state.connected;
}

void WorkerMetrics::publish(const ArtifactTotals &totals) {
  impl_->cache_size.Set(static_cast<double>(totals.cache_size_bytes));
  impl_->cache_entries.Set(static_cast<double>(totals.cache_entries));
  const std::lock_guard lock(impl_->follow_mutex);
  impl_->followed_hits.follow(totals.cache_hits);
  impl_->followed_misses.follow(totals.cache_misses);
  impl_->followed_evictions.follow(totals.cache_evictions);
  impl_->followed_downloaded.follow(totals.downloaded_bytes);
  impl_->followed_uploaded.follow(totals.uploaded_bytes);
}

Readiness WorkerMetrics::readiness() const {
  const std::lock_guard lock(impl_->state_mutex);
  if (!impl_->state_published) return {false, "starting"};
  if (!impl_->is_registered) return {false, "not registered with the server"};
  if (!impl_->is_connected) return {false, "registered, but the job stream to the server is not connected"};
  return {true, "ready"};
}

std::string WorkerMetrics::scrape() const { return prometheus::TextSerializer().Serialize(impl_->r.Collect()); }

} // namespace hodei::metrics
