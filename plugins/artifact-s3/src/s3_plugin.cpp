// Plugin entry of dev.hodei.artifact.s3.
#include "credentials.hpp"
#include "s3_backend.hpp"
#include "s3_config.hpp"

#include <hodei/sdk.hpp>
#include <optional>
#include <string>

namespace hodei::artifact_s3 {
namespace {

constexpr const char *kSchemes[] = {"s3", nullptr};

// Without credentials anywhere the plugin still loads (a worker that never touches s3:// must not show a refusal on
// every start); each call then fails with PERMISSION_DENIED saying where it looked. A half-filled source is a
// configuration mistake and still fails init.
class S3Plugin final : public sdk::ArtifactBackend {
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

  sdk::ObjectInfo put(const std::string &uri, const sdk::ReadStream &src,
                      const std::optional<std::string> &expected_sha256, const sdk::CancelToken &cancel) override {
    return backend().put(uri, src, expected_sha256, cancel);
  }
  void get(const std::string &uri, uint64_t offset, uint64_t length, const sdk::WriteStream &dst,
           const sdk::CancelToken &cancel) override {
    backend().get(uri, offset, length, dst, cancel);
  }
  sdk::ObjectInfo stat(const std::string &uri) override { return backend().stat(uri); }
  void remove(const std::string &uri) override { backend().remove(uri); }
  void list(const std::string &prefix, const ListFn &fn, const sdk::CancelToken &cancel) override {
    backend().list(prefix, fn, cancel);
  }

private:
  S3Plugin(const sdk::Host &host, const S3Config &config) {
    try {
      backend_.emplace(host, config, resolve_credentials(config));
    } catch (const sdk::Error &e) {
      if (std::string_view(e.what()).find("credentials: none found") == std::string_view::npos) throw;
      missing_credentials_ = e.what();
      host.info("no S3 credentials configured; s3:// transfers will fail until they are (" + missing_credentials_ +
                ")");
    }
    host.debug("S3 endpoint " + config.endpoint + ", region " + config.region + ", " +
               (config.addressing == Addressing::path ? "path" : "virtual-hosted") + " addressing");
  }

  S3Backend &backend() {
    if (!backend_) throw sdk::Error(HODEI_ERR_PERMISSION_DENIED, missing_credentials_);
    return *backend_;
  }

  std::optional<S3Backend> backend_;
  std::string missing_credentials_;
};

} // namespace
} // namespace hodei::artifact_s3

HODEI_PLUGIN(hodei::artifact_s3::S3Plugin)
