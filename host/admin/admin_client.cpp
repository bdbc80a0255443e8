#include "admin_client.hpp"

#include <cerrno>

namespace hodei::admin {

namespace {
std::string hint_for(int code) {
  switch (code) {
  case ENOENT:
    return " (no such socket: is `hodei-worker serve` running with this data_dir / admin.socket?)";
  case ECONNREFUSED:
    return " (nothing listens on it: the worker that created it is not running)";
  case EACCES:
  case EPERM:
    return " (permission denied: the admin socket is owner-only; run as the worker's user or root)";
  default:
    return "";
  }
}
} // namespace

nlohmann::json request(const std::filesystem::path &socket_path, const std::string &command,
                       std::chrono::milliseconds timeout) {
  try {
    UniqueFd fd = connect_to(socket_path);
    set_io_timeout(fd.get(), timeout);
    write_line(fd.get(), nlohmann::json{{"command", command}}.dump());
    const std::string line = read_line(fd.get(), size_t{16} * 1024 * 1024);
    nlohmann::json reply = nlohmann::json::parse(line, nullptr, false);
    if (!reply.is_object()) throw SocketError(socket_path.string() + ": the reply is not a JSON object", EPROTO);
    return reply;
  } catch (const SocketError &e) {
    const std::string text = e.what();
    const bool named = text.find(socket_path.string()) != std::string::npos;
    throw SocketError((named ? "" : socket_path.string() + ": ") + text + hint_for(e.code()), e.code());
  }
}

} // namespace hodei::admin
