#include "status_report.hpp"

#include <ctime>
#include <fmt/format.h>

namespace hodei::admin {

namespace {

std::string kinds_text(uint32_t kinds) {
  std::string out;
  if ((kinds & 1u) != 0) out = "executor";
  if ((kinds & 2u) != 0) out += out.empty() ? "artifact-backend" : "+artifact-backend";
  return out.empty() ? "-" : out;
}

std::string bytes_text(uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  if (bytes < uint64_t{1024} * 1024) return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024);
  if (bytes < uint64_t{1} << 30) return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024 * 1024));
  return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / (1024.0 * 1024 * 1024));
}

std::string utc_text(int64_t unix_ms) {
  const auto seconds = static_cast<time_t>(unix_ms / 1000);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string seconds_text(int64_t ms) { return fmt::format("{:.1f} s", static_cast<double>(ms) / 1000.0); }

} // namespace

nlohmann::json status_json(const agent::AgentSnapshot &agent, const std::vector<plugins::PluginInfo> &plugins,
                           const std::optional<artifacts::CacheStats> &cache) {
  nlohmann::json jobs = nlohmann::json::array();
  for (const agent::JobSnapshot &job : agent.jobs) {
    jobs.push_back({{"id", job.job_id},
                    {"epoch", job.epoch},
                    {"executor", job.executor},
                    {"state", job.state},
                    {"elapsed_ms", job.elapsed_ms}});
  }
  nlohmann::json loaded = nlohmann::json::array();
  for (const plugins::PluginInfo &p : plugins) {
    loaded.push_back({{"id", p.id}, {"version", p.version}, {"kind", kinds_text(p.kinds)}, {"path", p.file}});
  }
  nlohmann::json out = {
      {"connection", agent.connection},
      {"server", agent.server_address},
      {"worker_id", agent.worker_id},
      {"session_id", agent.session_id},
      {"registered_unix_ms", agent.registered_unix_ms},
      {"draining", agent.draining},
      {"max_concurrent_jobs", agent.max_concurrent_jobs},
      {"free_slots", agent.free_slots},
      {"labels", agent.labels},
      {"jobs", jobs},
      {"plugins", loaded},
      {"spool", {{"bytes", agent.spool_bytes}, {"quota_bytes", agent.spool_quota_bytes}}},
  };
  if (cache) {
    out["cache"] = {{"bytes", cache->size_bytes}, {"entries", cache->entries}};
  } else {
    out["cache"] = nullptr;
  }
  return out;
}

std::string status_text(const nlohmann::json &s) {
  std::string out;
  auto line = [&out](const std::string &key, const std::string &value) {
    out += fmt::format("{:<14}{}\n", key, value);
  };
  const std::string connection = s.value("connection", "?");
  line("connection",
       connection + " (" + s.value("server", "") + ")" + (s.value("draining", false) ? ", draining" : ""));
  const std::string worker_id = s.value("worker_id", "");
  line("worker", (worker_id.empty() ? "(not registered yet)" : worker_id) +
                     (s.value("session_id", "").empty() ? "" : ", session " + s.value("session_id", "")));
  if (s.value("registered_unix_ms", int64_t{0}) > 0) {
    line("registered", utc_text(s.value("registered_unix_ms", int64_t{0})));
  }
  std::string labels;
  const nlohmann::json label_map = s.value("labels", nlohmann::json::object());
  for (const auto &[k, v] : label_map.items()) {
    labels += (labels.empty() ? "" : ", ") + k + "=" + v.get<std::string>();
  }
  line("labels", labels.empty() ? "-" : labels);
  const nlohmann::json jobs = s.value("jobs", nlohmann::json::array());
  line("slots", fmt::format("{} free of {}", s.value("free_slots", 0), s.value("max_concurrent_jobs", 0)));
  line("jobs", jobs.empty() ? "none" : std::to_string(jobs.size()));
  for (const nlohmann::json &job : jobs) {
    out += fmt::format("  {:<20} {:<10} {:<12} {}\n", job.value("id", ""), job.value("state", ""),
                       seconds_text(job.value("elapsed_ms", int64_t{0})), job.value("executor", ""));
  }
  const nlohmann::json plugins = s.value("plugins", nlohmann::json::array());
  line("plugins", std::to_string(plugins.size()));
  for (const nlohmann::json &p : plugins) {
    out += fmt::format("  {:<36} {:<10} {:<18} {}\n", p.value("id", ""), p.value("version", ""), p.value("kind", ""),
                       p.value("path", ""));
  }
  const nlohmann::json cache = s.value("cache", nlohmann::json());
  line("cache", cache.is_object() ? fmt::format("{} in {} entries", bytes_text(cache.value("bytes", uint64_t{0})),
                                                cache.value("entries", uint64_t{0}))
                                  : "none");
  const nlohmann::json spool = s.value("spool", nlohmann::json::object());
  line("spool", fmt::format("{} of {}", bytes_text(spool.value("bytes", uint64_t{0})),
                            bytes_text(spool.value("quota_bytes", uint64_t{0}))));
  return out;
}

} // namespace hodei::admin
