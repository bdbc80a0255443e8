// The gRPC channel to the control plane: plaintext, TLS or mutual TLS from the worker config, message limits and
// keepalive of docs/protocol.md, and the per-call bearer token. Also the reconnect backoff.
#pragma once

#include "config/worker_config.hpp"

#include <chrono>
#include <memory>
#include <random>
#include <string>

namespace grpc {
class Channel;
class ChannelCredentials;
class ClientContext;
} // namespace grpc

namespace hodei::agent {

class ChannelFactory {
public:
  // Reads the TLS files now; throws std::runtime_error naming the config key of a file it cannot read.
  ChannelFactory(const config::ServerConfig &server, std::string token);
  // A fresh channel (a new connection: used after every failed attempt, so a restarted server is found at once).
  [[nodiscard]] std::shared_ptr<grpc::Channel> make() const;
  // Adds `authorization: Bearer <token>` when a token is configured.
  void authorize(grpc::ClientContext &context) const;
  [[nodiscard]] bool tls() const noexcept { return tls_; }

private:
  std::string address_;
  std::string token_;
  std::string server_name_;
  bool tls_ = false;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  std::chrono::milliseconds initial_backoff_;
  std::chrono::milliseconds max_backoff_;
  std::chrono::milliseconds keepalive_time_;
  std::chrono::milliseconds keepalive_timeout_;
};

// Exponential backoff with full jitter in [delay/2, delay]: initial, x2 per attempt, capped at max.
class Backoff {
public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max) : initial_(initial), max_(max) {}
  std::chrono::milliseconds next();
  void reset() noexcept { attempt_ = 0; }

private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  uint32_t attempt_ = 0;
  std::mt19937_64 random_{std::random_device{}()};
};

// Reads a token file (trailing whitespace dropped). Throws std::runtime_error naming the key.
std::string read_token_file(const std::string &path);

} // namespace hodei::agent
