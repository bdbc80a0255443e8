// Turns a failed S3 request into an sdk::Error: the hodei status, and a message with the operation, the URI,
// the HTTP status, the S3 error code and message and the request id. Never the credentials.
#pragma once

#include "curl_request.hpp"
#include "s3_xml.hpp"

#include <hodei/sdk.hpp>
#include <optional>
#include <string>

namespace hodei::artifact_s3 {

// 403 (AccessDenied, SignatureDoesNotMatch, InvalidAccessKeyId...) -> PERMISSION_DENIED, except QuotaExceeded ->
// RESOURCE_EXHAUSTED; 404 -> NOT_FOUND; BadDigest/XAmzContentSHA256Mismatch -> CHECKSUM_MISMATCH; 416 and other
// 4xx -> INVALID_ARGUMENT; 501 -> UNSUPPORTED; 5xx, 429 and connection failures -> UNAVAILABLE; stopped -> CANCELLED.
hodei_status status_for(long http_status, int curl_code, const std::string &s3_code) noexcept;

// "S3 GetObject s3://b/k: HTTP 403 SignatureDoesNotMatch: <message> (request id ...)" or
// "S3 GetObject s3://b/k: no answer from http://host:port: <curl error>"; `attempts` > 1 is appended.
sdk::Error s3_error(const std::string &operation, const std::string &uri, const std::string &endpoint,
                    const HttpResponse &response, const std::optional<S3ErrorDocument> &doc, unsigned attempts);

} // namespace hodei::artifact_s3
