// gRPC credentials from PEM files, for the devserver (server side) and its clients (CLI, tests).
#pragma once

#include <filesystem>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <memory>
#include <optional>
#include <string>

namespace hodei::devserver::rpc {

struct ServerTlsFiles {
  std::filesystem::path cert;                     // server certificate chain (PEM)
  std::filesystem::path key;                      // its private key (PEM)
  std::optional<std::filesystem::path> client_ca; // set: mTLS, clients must present a cert signed by this CA
};

struct ClientTlsFiles {
  std::optional<std::filesystem::path> ca;   // roots to verify the server with; unset: the system roots
  std::optional<std::filesystem::path> cert; // client certificate for mTLS
  std::optional<std::filesystem::path> key;
};

// Throws std::system_error when a file cannot be read.
std::shared_ptr<grpc::ServerCredentials> make_server_credentials(const std::optional<ServerTlsFiles> &tls);
std::shared_ptr<grpc::ChannelCredentials> make_channel_credentials(const std::optional<ClientTlsFiles> &tls);

} // namespace hodei::devserver::rpc
