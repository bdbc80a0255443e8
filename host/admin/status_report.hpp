// `hodei-worker status`: the worker's state as the admin socket's JSON (built in the worker) and as text for
// people (printed by the CLI). The JSON keys are documented in docs/operations.md, "Admin socket".
#pragma once

#include "agent/agent.hpp"
#include "artifacts/artifact_cache.hpp"
#include "plugin-host/plugin_info.hpp"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace hodei::admin {

nlohmann::json status_json(const agent::AgentSnapshot &agent, const std::vector<plugins::PluginInfo> &plugins,
                           const std::optional<artifacts::CacheStats> &cache);

// The status object as aligned text (what `hodei-worker status` prints without --json).
std::string status_text(const nlohmann::json &status);

} // namespace hodei::admin
