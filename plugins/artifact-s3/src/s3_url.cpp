#include "s3_url.hpp"

#include "percent_encoding.hpp"

#include <algorithm>

namespace hodei::artifact_s3 {

std::string s3_request_url(const std::string &endpoint, Addressing addressing, const S3Location &loc,
                           const QueryParams &query) {
  const size_t sep = endpoint.find("://");
  const std::string scheme = endpoint.substr(0, sep);
  const std::string authority = endpoint.substr(sep + 3); // host[:port][/base]
  const bool virtual_host =
      addressing == Addressing::virtual_host && !(scheme == "https" && loc.bucket.find('.') != std::string::npos);

  std::string url = scheme + "://";
  if (virtual_host) {
    url += loc.bucket + "." + authority + "/";
  } else {
    url += authority + "/" + loc.bucket;
    if (!loc.key.empty()) url += "/";
  }
  url += aws_uri_encode(loc.key, /*keep_slash=*/true);

  QueryParams encoded;
  for (const auto &[name, value] : query)
    encoded.emplace_back(aws_uri_encode(name, false), aws_uri_encode(value, false));
  std::sort(encoded.begin(), encoded.end());
  for (size_t i = 0; i < encoded.size(); ++i) url += (i == 0 ? "?" : "&") + encoded[i].first + "=" + encoded[i].second;
  return url;
}

} // namespace hodei::artifact_s3
