// The whole devserver in one object: data folder, control plane, the three gRPC services, the lease reaper.
// Used by `hodei-devserver serve` and by the tests (in-process, port 0).
//
// Threads and their owners:
//   - gRPC's sync-server thread pool (owned by grpc::Server): one thread per in-flight RPC; a worker's job stream
//     and a followed StreamLogs each hold one for their whole life;
//   - one SessionWriter thread per open job stream (owned by that stream's handler frame);
//   - the LeaseReaper thread (owned here).
// Shutdown order (stop()):
//   1. stop the lease reaper (no lease may expire because of the shutdown itself);
//   2. ControlPlane::begin_shutdown(): refuse new sessions/streams, cancel open job streams, wake log followers;
//   3. grpc::Server::Shutdown(deadline): no new calls; in-flight handlers finish (they were just told to), and are
//      cancelled at the deadline; then Wait() for every handler to return (each joins its writer first);
//   4. destroy the services, then the ControlPlane (closes the log files; everything acked is already on disk).
#pragma once

#include "devserver/core/control_plane.hpp"
#include "devserver/core/log_store.hpp"
#include "devserver/rpc/tls_credentials.hpp"

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace grpc {
class Server;
}

namespace hodei::devserver {

class LeaseReaper;

namespace rpc {
class BearerAuth;
class ManagementService;
class ExecutorService;
class AdminService;
} // namespace rpc

struct DevServerOptions {
  std::string listen = "127.0.0.1:7070"; // host:port; port 0 picks a free one (see DevServer::port())
  std::filesystem::path data_dir;
  std::optional<std::string> token; // set: every call needs `authorization: Bearer <token>`
  std::optional<rpc::ServerTlsFiles> tls;
  std::chrono::milliseconds lease_timeout{std::chrono::seconds(30)};
  std::optional<std::chrono::milliseconds> heartbeat_interval; // default: lease_timeout / 3
  LogSync log_sync = LogSync::fsync;
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(2)}; // step 3 of the shutdown order
};

class DevServer {
public:
  // Loads the data folder and starts serving. Throws std::runtime_error when the address cannot be bound, and
  // what ControlPlane's constructor throws.
  explicit DevServer(DevServerOptions options);
  ~DevServer(); // stop()
  DevServer(const DevServer &) = delete;
  DevServer &operator=(const DevServer &) = delete;

  [[nodiscard]] int port() const noexcept { return port_; }
  [[nodiscard]] std::string address() const; // "127.0.0.1:<port>" for the listen host
  [[nodiscard]] ControlPlane &control_plane() noexcept { return *control_plane_; }

  // The shutdown order above. Idempotent.
  void stop();

private:
  DevServerOptions options_;
  std::unique_ptr<ControlPlane> control_plane_;
  std::unique_ptr<rpc::BearerAuth> auth_;
  std::unique_ptr<rpc::ManagementService> management_;
  std::unique_ptr<rpc::ExecutorService> executor_;
  std::unique_ptr<rpc::AdminService> admin_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<LeaseReaper> reaper_;
  int port_ = 0;
  bool stopped_ = false;
};

// The devserver's version (the project's).
const char *devserver_version() noexcept;

} // namespace hodei::devserver
