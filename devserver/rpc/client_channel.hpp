// Client side of the devserver's connection settings, shared by the CLI and the tests: a channel with the
// protocol's message size limits and optional TLS, and the bearer token on each call.
#pragma once

#include "devserver/rpc/tls_credentials.hpp"

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <memory>
#include <optional>
#include <string>

namespace hodei::devserver::rpc {

struct ClientOptions {
  std::string server = "127.0.0.1:7070";
  std::optional<std::string> token;
  std::optional<ClientTlsFiles> tls; // unset: plaintext
};

std::shared_ptr<grpc::Channel> make_channel(const ClientOptions &options);

// Adds `authorization: Bearer <token>` when a token is set. (Per call rather than CallCredentials, which gRPC
// refuses to send over plaintext channels.)
void authorize(grpc::ClientContext &context, const std::optional<std::string> &token);

} // namespace hodei::devserver::rpc
