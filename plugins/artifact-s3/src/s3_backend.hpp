// dev.hodei.artifact.s3: objects in S3 (or an S3-compatible service), addressed by s3://bucket/key URIs.
#pragma once

#include "s3_client.hpp"
#include "s3_config.hpp"

#include <hodei/sdk.hpp>

namespace hodei::artifact_s3 {

class S3Backend : public sdk::ArtifactBackend {
public:
  S3Backend(const sdk::Host &host, const S3Config &config, Credentials credentials);

  // Objects up to part_size: read into memory, hashed, one PUT (payload SHA-256 + Content-MD5). Bigger ones: a
  // multipart upload. x-amz-meta-sha256 holds the whole object's SHA-256 whenever it is known before the object
  // becomes visible: always for a single PUT, with expected_sha256 for a multipart upload.
  sdk::ObjectInfo put(const std::string &uri, const sdk::ReadStream &src,
                      const std::optional<std::string> &expected_sha256, const sdk::CancelToken &cancel) override;
  void get(const std::string &uri, uint64_t offset, uint64_t length, const sdk::WriteStream &dst,
           const sdk::CancelToken &cancel) override;
  sdk::ObjectInfo stat(const std::string &uri) override;
  void remove(const std::string &uri) override;
  void list(const std::string &prefix, const ListFn &fn, const sdk::CancelToken &cancel) override;

private:
  S3Client client_;
};

} // namespace hodei::artifact_s3
