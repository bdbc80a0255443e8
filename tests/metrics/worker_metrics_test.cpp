// WorkerMetrics: names, labels, counters that follow published totals, gauges set from state, readiness.
#include "http_client.hpp"
#include "metrics/worker_metrics.hpp"

#include <catch2/catch.hpp>

using hodei::metrics::AgentState;
using hodei::metrics::ArtifactTotals;
using hodei::metrics::WorkerMetrics;
using hodei::test::sample_value;
using namespace std::chrono_literals;

TEST_CASE("every metric is exposed from the start with the hodei_worker_ prefix, and build info", "[metrics]") {
  WorkerMetrics metrics({"1.2.3", "1.0"});
  metrics.declare_executors({"dev.hodei.executor.shell"});
  const std::string text = metrics.scrape();
  for (const char *name : {"hodei_worker_jobs_started_total",
                           "hodei_worker_jobs_finished_total",
                           "hodei_worker_job_duration_seconds",
                           "hodei_worker_running_jobs",
                           "hodei_worker_free_slots",
                           "hodei_worker_log_bytes_sent_total",
                           "hodei_worker_log_bytes_spooled_total",
                           "hodei_worker_log_bytes_acked_total",
                           "hodei_worker_spool_bytes",
                           "hodei_worker_artifact_downloaded_bytes_total",
                           "hodei_worker_artifact_uploaded_bytes_total",
                           "hodei_worker_artifact_cache_hits_total",
                           "hodei_worker_artifact_cache_misses_total",
                           "hodei_worker_artifact_cache_evictions_total",
                           "hodei_worker_artifact_cache_size_bytes",
                           "hodei_worker_artifact_cache_entries",
                           "hodei_worker_reconnects_total",
                           "hodei_worker_plugin_load_failures_total",
                           "hodei_worker_registered",
                           "hodei_worker_connected",
                           "hodei_worker_draining",
                           "hodei_worker_build_info"}) {
    INFO(name);
    CHECK(text.find(std::string("# HELP ") + name + " ") != std::string::npos);
  }
  CHECK(sample_value(text, "hodei_worker_build_info{abi_version=\"1.0\",version=\"1.2.3\"}") == 1);
  CHECK(sample_value(text, "hodei_worker_log_bytes_sent_total") == 0);
  CHECK(sample_value(text, "hodei_worker_connected") == 0);
  // Declared executors have every series at 0 before their first job.
  CHECK(sample_value(text, "hodei_worker_jobs_started_total{executor=\"shell\"}") == 0);
  for (const char *outcome : {"succeeded", "failed", "cancelled", "timed_out", "error"}) {
    INFO(outcome);
    const std::string labels = std::string("{executor=\"shell\",outcome=\"") + outcome + "\"}";
    CHECK(sample_value(text, "hodei_worker_jobs_finished_total" + labels) == 0);
    CHECK(sample_value(text, "hodei_worker_job_duration_seconds_count" + labels) == 0);
  }
}

TEST_CASE("jobs are counted by executor short name and outcome, with their durations", "[metrics]") {
  WorkerMetrics metrics({"1.2.3", "1.0"});
  metrics.job_started("dev.hodei.executor.shell");
  metrics.job_started("shell");
  metrics.job_started("docker");
  metrics.job_finished("shell", "succeeded", 3s);
  metrics.job_finished("dev.hodei.executor.shell", "failed", 700ms);
  metrics.job_finished("docker", "failed", 40s);
  const std::string text = metrics.scrape();
  CHECK(sample_value(text, "hodei_worker_jobs_started_total{executor=\"shell\"}") == 2);
  CHECK(sample_value(text, "hodei_worker_jobs_started_total{executor=\"docker\"}") == 1);
  CHECK(sample_value(text, "hodei_worker_jobs_finished_total{executor=\"shell\",outcome=\"succeeded\"}") == 1);
  CHECK(sample_value(text, "hodei_worker_jobs_finished_total{executor=\"shell\",outcome=\"failed\"}") == 1);
  CHECK(sample_value(text, "hodei_worker_jobs_finished_total{executor=\"docker\",outcome=\"failed\"}") == 1);
  CHECK(sample_value(text, "hodei_worker_job_duration_seconds_count{executor=\"shell\",outcome=\"failed\"}") == 1);
  CHECK(sample_value(text, "hodei_worker_job_duration_seconds_sum{executor=\"docker\",outcome=\"failed\"}") == 40);
  // 0.7 s falls in the 1 s bucket, not the 0.5 s one; 40 s only from the 60 s bucket on.
  CHECK(sample_value(
            text, "hodei_worker_job_duration_seconds_bucket{executor=\"shell\",outcome=\"failed\",le=\"0.5\"}") == 0);
  CHECK(sample_value(text,
                     "hodei_worker_job_duration_seconds_bucket{executor=\"shell\",outcome=\"failed\",le=\"1\"}") == 1);
  CHECK(sample_value(
            text, "hodei_worker_job_duration_seconds_bucket{executor=\"docker\",outcome=\"failed\",le=\"30\"}") == 0);
  CHECK(sample_value(
            text, "hodei_worker_job_duration_seconds_bucket{executor=\"docker\",outcome=\"failed\",le=\"60\"}") == 1);
}

TEST_CASE("event counters add up: log bytes, reconnects, plugin load failures", "[metrics]") {
  WorkerMetrics metrics({"1.2.3", "1.0"});
  metrics.log_bytes_sent(1000);
  metrics.log_bytes_sent(24);
  metrics.log_bytes_acked(512);
  metrics.reconnected();
  metrics.reconnected();
  metrics.plugin_load_failures(3);
  const std::string text = metrics.scrape();
  CHECK(sample_value(text, "hodei_worker_log_bytes_sent_total") == 1024);
  CHECK(sample_value(text, "hodei_worker_log_bytes_acked_total") == 512);
  CHECK(sample_value(text, "hodei_worker_reconnects_total") == 2);
  CHECK(sample_value(text, "hodei_worker_plugin_load_failures_total") == 3);
}

TEST_CASE("gauges follow published state and counters follow published totals by their growth", "[metrics]") {
  WorkerMetrics metrics({"1.2.3", "1.0"});
  AgentState state;
  state.running_jobs = 2;
  state.free_slots = 1;
  state.spool_bytes = 4096;
  state.spooled_bytes_total = 100;
  metrics.publish(state);
  state.spooled_bytes_total = 250;
  state.running_jobs = 1;
  metrics.publish(state);
  ArtifactTotals totals;
  totals.cache_hits = 5;
  totals.cache_misses = 2;
  totals.cache_evictions = 1;
  totals.cache_size_bytes = 1 << 20;
  totals.cache_entries = 3;
  totals.downloaded_bytes = 7000;
  totals.uploaded_bytes = 9000;
  metrics.publish(totals);
  metrics.publish(totals); // publishing the same totals again adds nothing
  std::string text = metrics.scrape();
  CHECK(sample_value(text, "hodei_worker_running_jobs") == 1);
  CHECK(sample_value(text, "hodei_worker_free_slots") == 1);
  CHECK(sample_value(text, "hodei_worker_spool_bytes") == 4096);
  CHECK(sample_value(text, "hodei_worker_log_bytes_spooled_total") == 250);
  CHECK(sample_value(text, "hodei_worker_artifact_cache_hits_total") == 5);
  CHECK(sample_value(text, "hodei_worker_artifact_cache_misses_total") == 2);
  CHECK(sample_value(text, "hodei_worker_artifact_cache_evictions_total") == 1);
  CHECK(sample_value(text, "hodei_worker_artifact_cache_size_bytes") == 1 << 20);
  CHECK(sample_value(text, "hodei_worker_artifact_cache_entries") == 3);
  CHECK(sample_value(text, "hodei_worker_artifact_downloaded_bytes_total") == 7000);
  CHECK(sample_value(text, "hodei_worker_artifact_uploaded_bytes_total") == 9000);

  // A source that starts over (a new cache object) never makes a counter go down: it adds what the new one counted.
  totals.cache_hits = 2;
  metrics.publish(totals);
  text = metrics.scrape();
  CHECK(sample_value(text, "hodei_worker_artifact_cache_hits_total") == 7);
}

TEST_CASE("readiness needs a session and a connected job stream, and says what is missing", "[metrics]") {
  WorkerMetrics metrics({"1.2.3", "1.0"});
  CHECK_FALSE(metrics.readiness().ready);
  CHECK(metrics.readiness().reason == "starting");
  AgentState state;
  metrics.publish(state);
  CHECK_FALSE(metrics.readiness().ready);
  CHECK(metrics.readiness().reason == "not registered with the server");
  state.registered = true;
  metrics.publish(state);
  CHECK_FALSE(metrics.readiness().ready);
  CHECK(metrics.readiness().reason.find("job stream") != std::string::npos);
  state.connected = true;
  metrics.publish(state);
  CHECK(metrics.readiness().ready);
  CHECK(sample_value(metrics.scrape(), "hodei_worker_connected") == 1);
  state.connected = false;
  metrics.publish(state);
  CHECK_FALSE(metrics.readiness().ready);
  CHECK(sample_value(metrics.scrape(), "hodei_worker_connected") == 0);
}
