// Plugin entry of dev.hodei.artifact.fs.
#include "fs_backend.hpp"
#include "fs_config.hpp"

#include <hodei/sdk.hpp>

namespace hodei::artifact_fs {
namespace {

constexpr const char *kSchemes[] = {"file", nullptr};

class FsPlugin final : public FsBackend {
public:
  static constexpr sdk::PluginInfo info{
      "dev.hodei.artifact.fs",
      "Local folder artifact backend",
      "0.1.0",
      "Stores artifacts as files under one root folder (file:// URIs), with atomic, checksummed puts",
      HODEI_CAP_ARTIFACT_LIST,
      kSchemes,
      kFsConfigSchema,
  };

  FsPlugin(const sdk::Host &host, std::string_view config_json) : FsBackend(host, FsConfig::parse(config_json, host)) {}
};

} // namespace
} // namespace hodei::artifact_fs

HODEI_PLUGIN(hodei::artifact_fs::FsPlugin)
