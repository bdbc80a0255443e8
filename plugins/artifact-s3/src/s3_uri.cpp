#include "s3_uri.hpp"

#include <hodei/sdk.hpp>

namespace hodei::artifact_s3 {
namespace {

constexpr std::string_view kScheme = "s3://";
constexpr size_t kMaxKeyBytes = 1024;

bool valid_bucket_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || (c >= 'A' && c <= 'Z') || c == '_';
}

} // namespace

S3Location parse_s3_uri(std::string_view uri, bool key_required) {
  const std::string shown(uri);
  if (uri.substr(0, kScheme.size()) != kScheme)
    throw sdk::invalid_argument("uri \"" + shown + "\": expected an s3://bucket/key URI");
  const std::string_view rest = uri.substr(kScheme.size());
  const size_t slash = rest.find('/');
  S3Location loc;
  loc.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) loc.key = std::string(rest.substr(slash + 1));

  // Bucket names: 3-63 characters of a-z 0-9 . - for AWS; uppercase and '_' are accepted for older S3
  // implementations (path-style only), up to 255.
  if (loc.bucket.size() < 3 || loc.bucket.size() > 255)
    throw sdk::invalid_argument("uri \"" + shown +
                                "\": bucket name must have 3 to 63 characters (255 for older S3 servers)");
  for (const char c : loc.bucket)
    if (!valid_bucket_char(c))
      throw sdk::invalid_argument("uri \"" + shown + "\": bucket name may only hold a-z, 0-9, '.' and '-'");
  if (key_required && loc.key.empty())
    throw sdk::invalid_argument("uri \"" + shown + "\": expected an object key after the bucket (s3://bucket/key)");
  if (loc.key.size() > kMaxKeyBytes)
    throw sdk::invalid_argument("uri \"" + shown.substr(0, 80) + "...\": object key is longer than 1024 bytes");
  if (loc.key.find('\0') != std::string::npos)
    throw sdk::invalid_argument("uri \"" + shown + "\": object key contains a NUL byte");
  return loc;
}

} // namespace hodei::artifact_s3
