#include "admin_server.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace hodei::admin {

namespace {
constexpr size_t kMaxRequestBytes = size_t{64} * 1024;
constexpr std::chrono::milliseconds kIoTimeout{5000};

nlohmann::json failure(const std::string &message) { return {{"ok", false}, {"error", message}}; }
} // namespace

AdminServer::AdminServer(std::filesystem::path socket_path, std::map<std::string, CommandHandler> handlers)
    : path_(std::move(socket_path)), handlers_(std::move(handlers)), listener_(listen_owner_only(path_)) {
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0) inode_ = st.st_ino;
  if (::pipe2(wake_, O_CLOEXEC) != 0) {
    ::unlink(path_.c_str());
    throw SocketError("pipe2 for the admin socket " + path_.string() + " failed", errno);
  }
  thread_ = std::thread([this] { loop(); });
}

AdminServer::~AdminServer() {
  const char byte = 0;
  (void)!::write(wake_[1], &byte, 1);
  thread_.join();
  ::close(wake_[0]);
  ::close(wake_[1]);
  struct stat st {};
  // A second worker may have replaced a socket it found dead; only remove our own file.
  if (::stat(path_.c_str(), &st) == 0 && st.st_ino == inode_) ::unlink(path_.c_str());
}

void AdminServer::loop() {
  for (;;) {
    pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("admin socket {}: poll failed: {}", path_.string(), std::generic_category().message(errno));
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (client.get() < 0) continue;
    serve_one(client.get());
  }
}

void AdminServer::serve_one(int client_fd) const {
  try {
    set_io_timeout(client_fd, kIoTimeout);
    // The request is read before the uid check so the client sees the refusal (not a broken pipe on its write).
    const std::string request = read_line(client_fd, kMaxRequestBytes);
    const uid_t uid = peer_uid(client_fd);
    if (uid != ::geteuid() && uid != 0) {
      spdlog::warn("admin socket {}: refused a request from uid {} (only uid {} and root may use it)", path_.string(),
                   uid, ::geteuid());
      write_line(
          client_fd,
          failure("permission denied: uid " + std::to_string(uid) + " may not use this worker's admin socket").dump());
      return;
    }
    write_line(client_fd, answer(request).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } catch (const std::exception &e) {
    spdlog::debug("admin socket {}: {}", path_.string(), e.what());
  }
}

nlohmann::json AdminServer::answer(const std::string &request_line) const {
  nlohmann::json request;
  try {
    request = nlohmann::json::parse(request_line);
  } catch (const nlohmann::json::exception &e) {
    return failure(std::string("the request is not JSON: ") + e.what());
  }
  if (!request.is_object() || !request.contains("command") || !request["command"].is_string()) {
    return failure(R"(the request must be an object with a "command" string)");
  }
  const std::string command = request["command"].get<std::string>();
  const auto it = handlers_.find(command);
  if (it == handlers_.end()) {
    std::string known;
    for (const auto &[name, handler] : handlers_) known += (known.empty() ? "" : ", ") + name;
    return failure("unknown command '" + command + "' (known: " + known + ")");
  }
  try {
    nlohmann::json reply = {{"ok", true}};
    const nlohmann::json body = it->second(request);
    if (body.is_object()) reply.update(body);
    return reply;
  } catch (const std::exception &e) {
    return failure(e.what());
  }
}

} // namespace hodei::admin
