#include "s3_test_env.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <random>
#include <unistd.h>

namespace hodei::test {
namespace {

std::optional<std::string> env_var(const char *name) {
  const char *v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

std::string aws_cli() {
  if (auto v = env_var("HODEI_TEST_AWS_CLI")) return *v;
  if (::access("/usr/bin/aws", X_OK) == 0) return "/usr/bin/aws"; // Debian's awscli, from install-deps.sh
  return "aws";
}

} // namespace

std::optional<S3TestEnv> s3_env_or_skip() {
  const auto endpoint = env_var("HODEI_TEST_S3_ENDPOINT");
  const auto access = env_var("HODEI_TEST_S3_ACCESS_KEY");
  const auto secret = env_var("HODEI_TEST_S3_SECRET_KEY");
  if (!endpoint || !access || !secret) {
    const std::string why = "no S3 server: HODEI_TEST_S3_ENDPOINT, HODEI_TEST_S3_ACCESS_KEY and "
                            "HODEI_TEST_S3_SECRET_KEY must be set (source the s3.env of scripts/services/s3.sh)";
    if (env_var("HODEI_TEST_REQUIRE_SERVICES") == std::optional<std::string>("1")) FAIL(why);
    WARN("skipped: " << why);
    return std::nullopt;
  }
  return S3TestEnv{*endpoint, *access, *secret, env_var("HODEI_TEST_S3_REGION").value_or("us-east-1")};
}

std::string plugin_config(const S3TestEnv &env, const std::string &extra) {
  nlohmann::json c = {{"endpoint", env.endpoint},
                      {"region", env.region},
                      {"access_key", env.access_key},
                      {"secret_key", env.secret_key},
                      {"retry_base_delay_ms", 50}};
  std::string text = c.dump();
  if (!extra.empty()) text = text.substr(0, text.size() - 1) + "," + extra + "}";
  return text;
}

ProcessResult aws(const S3TestEnv &env, std::vector<std::string> args) {
  // env -u: a profile or session token of the calling environment (or of a test) must not leak in.
  std::vector<std::string> argv = {"env",
                                   "-u",
                                   "AWS_PROFILE",
                                   "-u",
                                   "AWS_SESSION_TOKEN",
                                   "-u",
                                   "AWS_ENDPOINT_URL",
                                   aws_cli(),
                                   "--endpoint-url",
                                   env.endpoint};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, std::chrono::seconds(240),
                     {"AWS_ACCESS_KEY_ID=" + env.access_key, "AWS_SECRET_ACCESS_KEY=" + env.secret_key,
                      "AWS_DEFAULT_REGION=" + env.region, "AWS_REGION=" + env.region, "AWS_CONFIG_FILE=/dev/null",
                      "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER="});
}

std::vector<std::string> multipart_uploads(const S3TestEnv &env, const std::string &bucket) {
  const ProcessResult r = aws(env, {"s3api", "list-multipart-uploads", "--bucket", bucket, "--output", "json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::vector<std::string> ids;
  if (r.out.find_first_not_of(" \r\n") == std::string::npos) return ids; // no uploads: empty output
  const nlohmann::json doc = nlohmann::json::parse(r.out);
  if (doc.contains("Uploads") && doc["Uploads"].is_array())
    for (const auto &u : doc["Uploads"]) ids.push_back(u.value("UploadId", ""));
  return ids;
}

TestBucket::TestBucket(const S3TestEnv &env, const std::string &tag) : env_(env) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::string suffix;
  for (int i = 0; i < 10; ++i) suffix.push_back(kHex[rd() & 0xF]);
  name_ = "hodei-" + tag + "-" + suffix;
  const ProcessResult r = aws(env_, {"s3", "mb", "s3://" + name_});
  INFO("aws s3 mb s3://" << name_ << ": " << r.out << r.err);
  REQUIRE(r.exit_code == 0);
}

TestBucket::~TestBucket() { aws(env_, {"s3", "rb", "--force", "s3://" + name_}); }

} // namespace hodei::test
