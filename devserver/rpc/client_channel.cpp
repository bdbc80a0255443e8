#include "devserver/rpc/client_channel.hpp"

#include "protocol/limits.hpp"

#include <grpcpp/create_channel.h>
#include <grpcpp/support/channel_arguments.h>

namespace hodei::devserver::rpc {

std::shared_ptr<grpc::Channel> make_channel(const ClientOptions &options) {
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(protocol::kMaxMessageBytes);
  arguments.SetMaxSendMessageSize(protocol::kMaxMessageBytes);
  return grpc::CreateCustomChannel(options.server, make_channel_credentials(options.tls), arguments);
}

void authorize(grpc::ClientContext &context, const std::optional<std::string> &token) {
  if (token) {
    context.AddMetadata(std::string(protocol::kAuthorizationMetadataKey),
                        std::string(protocol::kBearerPrefix) + *token);
  }
}

} // namespace hodei::devserver::rpc
