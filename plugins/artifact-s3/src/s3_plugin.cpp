// Plugin entry of dev.hodei.artifact.s3.
#include "credentials.hpp"
#include "s3_backend.hpp"
#include "s3_config.hpp"

#include <hodei/sdk.hpp>

namespace hodei::artifact_s3 {
namespace {

constexpr const char *kSchemes[] = {"s3", nullptr};

class S3Plugin final : public S3Backend {
public:
  static constexpr sdk::PluginInfo info{
      "dev.hodei.artifact.s3",
      "S3 artifact backend",
      "0.1.0",
      "Stores artifacts in S3 or an S3-compatible service (s3:// URIs): SigV4 via libcurl, multipart, retries",
      HODEI_CAP_ARTIFACT_LIST,
      kSchemes,
      kS3ConfigSchema,
  };

  S3Plugin(const sdk::Host &host, std::string_view config_json) : S3Plugin(host, S3Config::parse(config_json)) {}

private:
  S3Plugin(const sdk::Host &host, const S3Config &config) : S3Backend(host, config, resolve_credentials(config)) {
    host.debug("S3 endpoint " + config.endpoint + ", region " + config.region + ", " +
               (config.addressing == Addressing::path ? "path" : "virtual-hosted") + " addressing");
  }
};

} // namespace
} // namespace hodei::artifact_s3

HODEI_PLUGIN(hodei::artifact_s3::S3Plugin)
