// s3://bucket/key URIs.
#pragma once

#include <string>
#include <string_view>

namespace hodei::artifact_s3 {

struct S3Location {
  std::string bucket;
  std::string key; // raw bytes, as in the AWS CLI: "s3://b/a%20b" is the key "a%20b"; may be empty for a prefix

  [[nodiscard]] std::string uri() const { return "s3://" + bucket + "/" + key; }
};

// Parses "s3://bucket/key". With `key_required`, the key must be non-empty (an object); otherwise "s3://bucket",
// "s3://bucket/" and "s3://bucket/prefix" are accepted (a list prefix). Throws sdk::invalid_argument.
S3Location parse_s3_uri(std::string_view uri, bool key_required);

} // namespace hodei::artifact_s3
