// The local admin socket of `hodei-worker serve` (docs/operations.md, "Admin socket"): a unix socket, mode 0600,
// answering only processes of the same uid or root (SO_PEERCRED). One request per connection, one JSON object per
// line each way:
//   -> {"command": "status" | "drain" | "reload"}
//   <- {"ok": true, ...command's answer...}  or  {"ok": false, "error": "..."}
// Requests are served one at a time on the server's own thread; each has a 5 s I/O deadline so a stuck client
// cannot hold the socket.
#pragma once

#include "unix_socket.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

namespace hodei::admin {

// Answers one command; its object is merged into the reply (after "ok": true). Throwing std::exception answers
// {"ok": false, "error": what()}.
using CommandHandler = std::function<nlohmann::json(const nlohmann::json &request)>;

class AdminServer {
public:
  // Listens on `socket_path` at once (throws SocketError naming the path) and serves on a thread.
  AdminServer(std::filesystem::path socket_path, std::map<std::string, CommandHandler> handlers);
  ~AdminServer(); // stops the thread and removes the socket file (if it is still ours)
  AdminServer(const AdminServer &) = delete;
  AdminServer &operator=(const AdminServer &) = delete;

  [[nodiscard]] const std::filesystem::path &path() const noexcept { return path_; }

  // The reply to one request line (public for tests): unknown command, bad JSON and handler failures included.
  [[nodiscard]] nlohmann::json answer(const std::string &request_line) const;

private:
  void loop();
  void serve_one(int client_fd) const;

  std::filesystem::path path_;
  std::map<std::string, CommandHandler> handlers_;
  UniqueFd listener_;
  ino_t inode_ = 0;
  int wake_[2] = {-1, -1};
  std::thread thread_;
};

} // namespace hodei::admin
