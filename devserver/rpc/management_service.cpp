#include "devserver/rpc/management_service.hpp"

#include "devserver/core/ids.hpp"
#include "devserver/rpc/record_mapping.hpp"

#include <spdlog/spdlog.h>

namespace hodei::devserver::rpc {
namespace {

grpc::Status internal_error(const char *rpc, const std::exception &e) {
  spdlog::error("devserver: {} failed: {}", rpc, e.what());
  return {grpc::StatusCode::INTERNAL, std::string(rpc) + " failed: " + e.what()};
}

} // namespace

grpc::Status ManagementService::Register(grpc::ServerContext *context, const v1::RegisterRequest *request,
                                         v1::RegisterResponse *response) {
  if (grpc::Status status = auth_.check(*context); !status.ok()) return status;
  try {
    *response =
        register_response_to_proto(control_plane_.register_worker(registration_from_proto(*request)), server_version_);
    return grpc::Status::OK;
  } catch (const std::exception &e) {
    return internal_error("Register", e);
  }
}

grpc::Status ManagementService::Heartbeat(grpc::ServerContext *context, const v1::HeartbeatRequest *request,
                                          v1::HeartbeatResponse *response) {
  if (grpc::Status status = auth_.check(*context); !status.ok()) return status;
  try {
    *response = heartbeat_response_to_proto(control_plane_.heartbeat(heartbeat_from_proto(*request)), now_unix_ms());
    return grpc::Status::OK;
  } catch (const std::exception &e) {
    return internal_error("Heartbeat", e);
  }
}

grpc::Status ManagementService::Deregister(grpc::ServerContext *context, const v1::DeregisterRequest *request,
                                           v1::DeregisterResponse *response) {
  if (grpc::Status status = auth_.check(*context); !status.ok()) return status;
  try {
    const auto lost = control_plane_.deregister(request->worker_id(), request->session_id(), request->reason());
    if (!lost) return {grpc::StatusCode::NOT_FOUND, "unknown session"};
    response->set_jobs_lost(*lost);
    return grpc::Status::OK;
  } catch (const std::exception &e) {
    return internal_error("Deregister", e);
  }
}

} // namespace hodei::devserver::rpc
