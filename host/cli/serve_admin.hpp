// The admin socket of `serve`: its commands wired to the agent, the plugin registry, the artifact cache and the
// reloader (host/admin holds the socket server itself).
#pragma once

#include "admin/admin_server.hpp"

#include <filesystem>
#include <functional>
#include <memory>

namespace hodei::agent {
class Agent;
}
namespace hodei::artifacts {
class ArtifactCache;
}
namespace hodei::plugins {
class PluginRegistry;
}

namespace hodei::cli {

class ServeReloader;

struct ServeAdminParts {
  agent::Agent &agent;
  plugins::PluginRegistry &registry;
  const artifacts::ArtifactCache *cache = nullptr; // may be null
  ServeReloader &reloader;
  std::function<void()> on_drain; // besides the agent's drain (e.g. tell systemd STOPPING)
};

// Listens at once; throws admin::SocketError naming the path.
std::unique_ptr<admin::AdminServer> start_admin_server(const std::filesystem::path &socket, ServeAdminParts parts);

} // namespace hodei::cli
