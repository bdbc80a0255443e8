// The real S3 server of the test run (scripts/services/s3.sh writes its s3.env), the AWS CLI against it, and a
// throw-away bucket per test.
#pragma once

#include "subprocess.hpp"

#include <optional>
#include <string>
#include <vector>

namespace hodei::test {

struct S3TestEnv {
  std::string endpoint;
  std::string access_key;
  std::string secret_key;
  std::string region;
};

// The server from HODEI_TEST_S3_ENDPOINT/_ACCESS_KEY/_SECRET_KEY/_REGION. When they are missing: a failed
// assertion if HODEI_TEST_REQUIRE_SERVICES=1 (scripts/test.sh), else a warning, and nullopt (the test skips).
std::optional<S3TestEnv> s3_env_or_skip();

// Plugin config for `env`; `extra` is spliced in as more JSON members (`"part_size": 5242880`).
std::string plugin_config(const S3TestEnv &env, const std::string &extra = "");

// Runs the AWS CLI (HODEI_TEST_AWS_CLI, else /usr/bin/aws, else aws from PATH) against the server, with its
// credentials in the environment and no config or credentials file read.
ProcessResult aws(const S3TestEnv &env, std::vector<std::string> args);

// UploadIds of the multipart uploads in progress in `bucket`.
std::vector<std::string> multipart_uploads(const S3TestEnv &env, const std::string &bucket);

// A bucket with a unique name, created with the AWS CLI and removed (with its objects) at the end.
class TestBucket {
public:
  TestBucket(const S3TestEnv &env, const std::string &tag);
  ~TestBucket();
  TestBucket(const TestBucket &) = delete;
  TestBucket &operator=(const TestBucket &) = delete;
  [[nodiscard]] const std::string &name() const noexcept { return name_; }
  [[nodiscard]] std::string uri(const std::string &key) const { return "s3://" + name_ + "/" + key; }

private:
  const S3TestEnv &env_;
  std::string name_;
};

} // namespace hodei::test
