#include "devserver/rpc/tls_credentials.hpp"

#include "devserver/core/atomic_file.hpp"

namespace hodei::devserver::rpc {

std::shared_ptr<grpc::ServerCredentials> make_server_credentials(const std::optional<ServerTlsFiles> &tls) {
  if (!tls) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options(tls->client_ca ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                                           : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_key_cert_pairs.push_back({read_whole_file(tls->key), read_whole_file(tls->cert)});
  if (tls->client_ca) options.pem_root_certs = read_whole_file(*tls->client_ca);
  return grpc::SslServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> make_channel_credentials(const std::optional<ClientTlsFiles> &tls) {
  if (!tls) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions options;
  if (tls->ca) options.pem_root_certs = read_whole_file(*tls->ca);
  if (tls->cert) options.pem_cert_chain = read_whole_file(*tls->cert);
  if (tls->key) options.pem_private_key = read_whole_file(*tls->key);
  return grpc::SslCredentials(options);
}

} // namespace hodei::devserver::rpc
