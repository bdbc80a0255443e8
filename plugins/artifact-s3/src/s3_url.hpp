// Request URLs: path-style or virtual-hosted, the key encoded per SigV4, the query in canonical order.
#pragma once

#include "s3_config.hpp"
#include "s3_uri.hpp"

#include <string>
#include <utility>
#include <vector>

namespace hodei::artifact_s3 {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// `endpoint` is S3Config::endpoint ("scheme://host[:port][/base]"). Path style: endpoint/bucket[/key];
// virtual-hosted: scheme://bucket.host[:port][/base]/key, except for a bucket with dots over https (it would not
// match the wildcard certificate), which falls back to path style like the AWS SDKs. The key is AWS-URI-encoded
// with '/' kept; the query is encoded and sorted with "name=" for empty values, because libcurl 7.88 signs it
// exactly as written and SigV4 wants the canonical form.
std::string s3_request_url(const std::string &endpoint, Addressing addressing, const S3Location &loc,
                           const QueryParams &query);

} // namespace hodei::artifact_s3
