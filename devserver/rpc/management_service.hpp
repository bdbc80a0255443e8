// WorkerManagementService: Register, Heartbeat, Deregister (sync gRPC API; short unary calls).
#pragma once

#include "devserver/core/control_plane.hpp"
#include "devserver/rpc/bearer_auth.hpp"
#include "hodei/worker/v1/management.grpc.pb.h"

#include <string>

namespace hodei::devserver::rpc {

class ManagementService final : public hodei::worker::v1::WorkerManagementService::Service {
public:
  ManagementService(ControlPlane &control_plane, const BearerAuth &auth, std::string server_version)
      : control_plane_(control_plane), auth_(auth), server_version_(std::move(server_version)) {}

  grpc::Status Register(grpc::ServerContext *context, const hodei::worker::v1::RegisterRequest *request,
                        hodei::worker::v1::RegisterResponse *response) override;
  grpc::Status Heartbeat(grpc::ServerContext *context, const hodei::worker::v1::HeartbeatRequest *request,
                         hodei::worker::v1::HeartbeatResponse *response) override;
  grpc::Status Deregister(grpc::ServerContext *context, const hodei::worker::v1::DeregisterRequest *request,
                          hodei::worker::v1::DeregisterResponse *response) override;

private:
  ControlPlane &control_plane_;
  const BearerAuth &auth_;
  std::string server_version_;
};

} // namespace hodei::devserver::rpc
