// Fuzz target: the worker config file parser (host/config). Invariants: bad input is a ConfigError, never a crash
// or another exception; an accepted config respects the documented ranges (docs/configuration.md).
#include "config/worker_config.hpp"

#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace hodei::config;
  const std::string_view text(reinterpret_cast<const char *>(data), size);
  WorkerConfig config;
  try {
    config = parse_worker_config(text, "fuzz");
  } catch (const ConfigError &) {
    return 0;
  }
  FUZZ_CHECK(config.worker.max_concurrent_jobs >= 1, "max_concurrent_jobs >= 1");
  FUZZ_CHECK(config.artifacts.parallel_transfers >= 1, "parallel_transfers >= 1");
  FUZZ_CHECK(config.server.reconnect_initial_backoff.count() > 0, "reconnect_initial_backoff > 0");
  FUZZ_CHECK(config.server.reconnect_max_backoff.count() > 0, "reconnect_max_backoff > 0");
  FUZZ_CHECK(config.artifacts.link_mode == "hardlink" || config.artifacts.link_mode == "copy", "link_mode");
  return 0;
}
