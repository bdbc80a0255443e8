#include "serve_admin.hpp"

#include "admin/status_report.hpp"
#include "agent/agent.hpp"
#include "artifacts/artifact_cache.hpp"
#include "plugin-host/plugin_registry.hpp"
#include "serve_reload.hpp"

#include <spdlog/spdlog.h>

namespace hodei::cli {

std::unique_ptr<admin::AdminServer> start_admin_server(const std::filesystem::path &socket, ServeAdminParts parts) {
  std::map<std::string, admin::CommandHandler> handlers;
  handlers["status"] = [parts](const nlohmann::json &) {
    std::optional<artifacts::CacheStats> cache;
    if (parts.cache != nullptr) cache = parts.cache->stats();
    return admin::status_json(parts.agent.snapshot(), parts.registry.plugins(), cache);
  };
  handlers["drain"] = [parts](const nlohmann::json &) {
    spdlog::info("admin socket: drain requested");
    if (parts.on_drain) parts.on_drain();
    parts.agent.request_drain("requested on the admin socket");
    const agent::AgentSnapshot now = parts.agent.snapshot();
    return nlohmann::json{{"draining", true}, {"jobs", now.jobs.size()}};
  };
  handlers["reload"] = [parts](const nlohmann::json &) { return parts.reloader.reload("admin socket").to_json(); };
  auto server = std::make_unique<admin::AdminServer>(socket, std::move(handlers));
  spdlog::info("admin socket listening on {} (owner only)", socket.string());
  return server;
}

} // namespace hodei::cli
