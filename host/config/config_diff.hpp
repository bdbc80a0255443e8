// What changed between two worker configs, key by key, and which changes a running `serve` applies live (SIGHUP,
// `hodei-worker reload`) versus those that need a restart. docs/operations.md, "Reload", lists the same split.
#pragma once

#include "worker_config.hpp"

#include <string>
#include <vector>

namespace hodei::config {

struct ConfigChange {
  std::string key;       // JSON path without "$.", e.g. "worker.labels"
  std::string old_value; // printable; "(hidden)" for secrets
  std::string new_value;
  bool live = false; // applied by a reload; false: needs a restart
};

// Every key whose value differs, in a stable order.
std::vector<ConfigChange> diff_configs(const WorkerConfig &running, const WorkerConfig &reloaded);

// `running` with the live keys taken from `reloaded`: what a worker runs with after a reload (keys that need a
// restart keep their running values, so the next reload reports them again).
WorkerConfig with_live_keys(const WorkerConfig &running, const WorkerConfig &reloaded);

} // namespace hodei::config
