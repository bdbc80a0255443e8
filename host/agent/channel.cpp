#include "channel.hpp"

#include "protocol/limits.hpp"

#include <algorithm>
#include <fstream>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>
#include <sstream>
#include <stdexcept>

namespace hodei::agent {

namespace {
std::string read_file(const std::string &path, const std::string &key) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(key + ": cannot read '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}
} // namespace

std::string read_token_file(const std::string &path) {
  std::string token = read_file(path, "server.token_file");
  while (!token.empty() &&
         (token.back() == '\n' || token.back() == '\r' || token.back() == ' ' || token.back() == '\t')) {
    token.pop_back();
  }
  if (token.empty()) throw std::runtime_error("server.token_file: '" + path + "' is empty");
  return token;
}

ChannelFactory::ChannelFactory(const config::ServerConfig &server, std::string token)
    : address_(server.address), token_(std::move(token)), server_name_(server.tls.server_name),
      tls_(server.tls.enabled && !server.plaintext), initial_backoff_(server.reconnect_initial_backoff),
      max_backoff_(server.reconnect_max_backoff), keepalive_time_(server.keepalive_time),
      keepalive_timeout_(server.keepalive_timeout) {
  if (tls_) {
    grpc::SslCredentialsOptions ssl;
    if (!server.tls.ca_file.empty()) ssl.pem_root_certs = read_file(server.tls.ca_file, "server.tls.ca_file");
    if (!server.tls.cert_file.empty()) {
      ssl.pem_cert_chain = read_file(server.tls.cert_file, "server.tls.cert_file");
      ssl.pem_private_key = read_file(server.tls.key_file, "server.tls.key_file");
    }
    credentials_ = grpc::SslCredentials(ssl);
  } else {
    credentials_ = grpc::InsecureChannelCredentials();
  }
}

std::shared_ptr<grpc::Channel> ChannelFactory::make() const {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(protocol::kMaxMessageBytes);
  args.SetMaxSendMessageSize(protocol::kMaxMessageBytes);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, static_cast<int>(keepalive_time_.count()));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, static_cast<int>(keepalive_timeout_.count()));
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, static_cast<int>(initial_backoff_.count()));
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, static_cast<int>(initial_backoff_.count()));
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, static_cast<int>(max_backoff_.count()));
  // A fresh subchannel per channel: a channel made after a failure must not reuse the old connection's backoff.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  if (tls_ && !server_name_.empty()) args.SetSslTargetNameOverride(server_name_);
  return grpc::CreateCustomChannel(address_, credentials_, args);
}

void ChannelFactory::authorize(grpc::ClientContext &context) const {
  if (token_.empty()) return;
  context.AddMetadata(std::string(protocol::kAuthorizationMetadataKey), std::string(protocol::kBearerPrefix) + token_);
}

std::chrono::milliseconds Backoff::next() {
  const uint32_t shift = std::min<uint32_t>(attempt_, 20);
  attempt_ += 1;
  const auto base = std::min<int64_t>(max_.count(), initial_.count() * (int64_t{1} << shift));
  std::uniform_int_distribution<int64_t> jitter(base / 2, std::max<int64_t>(base / 2, base));
  return std::chrono::milliseconds(jitter(random_));
}

} // namespace hodei::agent
