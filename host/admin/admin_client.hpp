// The client side of the admin socket (`hodei-worker status`, `drain`, `reload`).
#pragma once

#include "unix_socket.hpp"

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

namespace hodei::admin {

// Sends {"command": command} and returns the reply object. Throws SocketError whose what() names the path and,
// for the usual failures, what to check (no worker running, permission denied); the reply's "ok" is the caller's.
nlohmann::json request(const std::filesystem::path &socket_path, const std::string &command,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30));

} // namespace hodei::admin
