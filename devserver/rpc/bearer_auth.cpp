#include "devserver/rpc/bearer_auth.hpp"

#include "protocol/limits.hpp"

#include <spdlog/spdlog.h>

namespace hodei::devserver::rpc {

bool constant_time_equals(const std::string &a, const std::string &b) noexcept {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::string &longest = a.size() >= b.size() ? a : b;
  for (std::size_t i = 0; i < longest.size(); ++i) {
    const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

grpc::Status BearerAuth::check(const grpc::ServerContext &context) const {
  if (!token_) return grpc::Status::OK;
  const auto &metadata = context.client_metadata();
  const auto it = metadata.find(
      grpc::string_ref(protocol::kAuthorizationMetadataKey.data(), protocol::kAuthorizationMetadataKey.size()));
  if (it != metadata.end()) {
    const std::string presented(it->second.data(), it->second.size());
    if (constant_time_equals(presented, std::string(protocol::kBearerPrefix) + *token_)) return grpc::Status::OK;
  }
  refusals_ += 1;
  spdlog::warn("devserver: refused a call from {}: {} bearer token", context.peer(),
               it == metadata.end() ? "no" : "wrong");
  return {grpc::StatusCode::UNAUTHENTICATED,
          "missing or wrong bearer token (metadata 'authorization: Bearer <token>')"};
}

} // namespace hodei::devserver::rpc
