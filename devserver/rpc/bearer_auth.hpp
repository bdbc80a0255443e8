// Token check of every RPC: when the server has a token, each call must carry the metadata
// `authorization: Bearer <token>`; otherwise it fails with UNAUTHENTICATED and the refusal is counted.
// Checked in each handler (not with an AuthMetadataProcessor, which gRPC only runs on secure channels: the
// devserver must also check tokens on plaintext loopback).
#pragma once

#include <atomic>
#include <cstdint>
#include <grpcpp/server_context.h>
#include <optional>
#include <string>

namespace hodei::devserver::rpc {

class BearerAuth {
public:
  // No token: every call is allowed.
  BearerAuth(std::optional<std::string> token, std::atomic<uint64_t> &refusals)
      : token_(std::move(token)), refusals_(refusals) {}

  [[nodiscard]] grpc::Status check(const grpc::ServerContext &context) const;

private:
  std::optional<std::string> token_;
  std::atomic<uint64_t> &refusals_;
};

// Equal contents, in time independent of where they differ.
bool constant_time_equals(const std::string &a, const std::string &b) noexcept;

} // namespace hodei::devserver::rpc
