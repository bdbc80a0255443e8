// dev.hodei.artifact.fs: objects are files under one root folder, addressed by file:// URIs.
#pragma once

#include "fs_config.hpp"
#include "root_jail.hpp"

#include <hodei/sdk.hpp>

namespace hodei::artifact_fs {

class FsBackend : public sdk::ArtifactBackend {
public:
  FsBackend(const sdk::Host &host, const FsConfig &config);

  sdk::ObjectInfo put(const std::string &uri, const sdk::ReadStream &src,
                      const std::optional<std::string> &expected_sha256, const sdk::CancelToken &cancel) override;
  void get(const std::string &uri, uint64_t offset, uint64_t length, const sdk::WriteStream &dst,
           const sdk::CancelToken &cancel) override;
  sdk::ObjectInfo stat(const std::string &uri) override;
  void remove(const std::string &uri) override;
  void list(const std::string &prefix, const ListFn &fn, const sdk::CancelToken &cancel) override;

private:
  // A URI's path relative to the root; throws for a URI that names no object (outside, the root, a folder).
  [[nodiscard]] std::string object_rel(const std::string &uri) const;

  const sdk::Host &host_;
  RootJail jail_;
};

} // namespace hodei::artifact_fs
