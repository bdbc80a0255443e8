#include "devserver/dev_server.hpp"

#include "devserver/core/lease_reaper.hpp"
#include "devserver/rpc/admin_service.hpp"
#include "devserver/rpc/bearer_auth.hpp"
#include "devserver/rpc/executor_service.hpp"
#include "devserver/rpc/management_service.hpp"
#include "protocol/limits.hpp"

#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <spdlog/spdlog.h>

#ifndef HODEI_DEVSERVER_VERSION
#define HODEI_DEVSERVER_VERSION "0.0.0"
#endif

namespace hodei::devserver {
namespace {

std::chrono::milliseconds reaper_period(std::chrono::milliseconds lease_timeout) {
  return std::clamp(lease_timeout / 4, std::chrono::milliseconds(20), std::chrono::milliseconds(1000));
}

} // namespace

const char *devserver_version() noexcept { return HODEI_DEVSERVER_VERSION; }

DevServer::DevServer(DevServerOptions options) : options_(std::move(options)) {
  ControlPlaneOptions cp;
  cp.data_dir = options_.data_dir;
  cp.lease_timeout = options_.lease_timeout;
  cp.heartbeat_interval =
      options_.heartbeat_interval.value_or(std::max(options_.lease_timeout / 3, std::chrono::milliseconds(50)));
  cp.log_sync = options_.log_sync;
  cp.server_version = devserver_version();
  control_plane_ = std::make_unique<ControlPlane>(std::move(cp));
  auth_ = std::make_unique<rpc::BearerAuth>(options_.token, control_plane_->counters().unauthenticated);
  management_ = std::make_unique<rpc::ManagementService>(*control_plane_, *auth_, devserver_version());
  executor_ = std::make_unique<rpc::ExecutorService>(*control_plane_, *auth_);
  admin_ = std::make_unique<rpc::AdminService>(*control_plane_, *auth_);

  grpc::ServerBuilder builder;
  builder.AddListeningPort(options_.listen, rpc::make_server_credentials(options_.tls), &port_);
  builder.SetMaxReceiveMessageSize(protocol::kMaxMessageBytes);
  builder.SetMaxSendMessageSize(protocol::kMaxMessageBytes);
  // Detect dead peers of idle streams: HTTP/2 pings every 20 s. Accept the clients' own pings every second: a worker
  // may set server.keepalive_time_ms as low as 1000 to notice a stalled network path quickly.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.RegisterService(management_.get());
  builder.RegisterService(executor_.get());
  builder.RegisterService(admin_.get());
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    throw std::runtime_error("cannot listen on " + options_.listen + " (address in use or invalid?)");
  }
  reaper_ = std::make_unique<LeaseReaper>(*control_plane_, reaper_period(options_.lease_timeout));
  spdlog::info("devserver {}: listening on {} ({}{}), data in {}, lease timeout {} ms", devserver_version(), address(),
               options_.tls ? (options_.tls->client_ca ? "mTLS" : "TLS") : "plaintext",
               options_.token ? ", token required" : "", options_.data_dir.string(), options_.lease_timeout.count());
}

DevServer::~DevServer() { stop(); }

std::string DevServer::address() const {
  const auto colon = options_.listen.rfind(':');
  const std::string host = colon == std::string::npos ? options_.listen : options_.listen.substr(0, colon);
  return host + ":" + std::to_string(port_);
}

void DevServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (reaper_) reaper_->stop();                         // 1
  if (control_plane_) control_plane_->begin_shutdown(); // 2
  if (server_) {                                        // 3
    server_->Shutdown(std::chrono::system_clock::now() + options_.shutdown_grace);
    server_->Wait();
  }
  server_.reset(); // 4
  reaper_.reset();
  admin_.reset();
  executor_.reset();
  management_.reset();
  auth_.reset();
  control_plane_.reset();
  spdlog::info("devserver: stopped");
}

} // namespace hodei::devserver
