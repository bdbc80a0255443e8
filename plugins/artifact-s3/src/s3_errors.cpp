#include "s3_errors.hpp"

namespace hodei::artifact_s3 {

hodei_status status_for(long http_status, int curl_code, const std::string &s3_code) noexcept {
  if (curl_code == CURLE_ABORTED_BY_CALLBACK) return HODEI_ERR_CANCELLED;
  if (s3_code == "BadDigest" || s3_code == "XAmzContentSHA256Mismatch" || s3_code == "InvalidDigest")
    return HODEI_ERR_CHECKSUM_MISMATCH;
  if (s3_code == "QuotaExceeded" || s3_code == "EntityTooLarge") return HODEI_ERR_RESOURCE_EXHAUSTED;
  if (s3_code == "SlowDown" || s3_code == "RequestTimeout" || s3_code == "InternalError" ||
      s3_code == "ServiceUnavailable")
    return HODEI_ERR_UNAVAILABLE;
  if (s3_code == "NoSuchKey" || s3_code == "NoSuchBucket" || s3_code == "NoSuchUpload") return HODEI_ERR_NOT_FOUND;
  if (http_status == 0) {
    switch (curl_code) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return HODEI_ERR_INVALID_ARGUMENT; // a configuration problem: endpoint or ca_bundle
    case CURLE_OUT_OF_MEMORY:
      return HODEI_ERR_RESOURCE_EXHAUSTED;
    default:
      return HODEI_ERR_UNAVAILABLE;
    }
  }
  if (http_status >= 200 && http_status < 300) return HODEI_ERR_UNAVAILABLE; // the body broke off
  if (http_status == 401 || http_status == 403) return HODEI_ERR_PERMISSION_DENIED;
  if (http_status == 404) return HODEI_ERR_NOT_FOUND;
  if (http_status == 409 && (s3_code == "BucketAlreadyExists" || s3_code == "BucketAlreadyOwnedByYou"))
    return HODEI_ERR_ALREADY_EXISTS;
  if (http_status == 501) return HODEI_ERR_UNSUPPORTED;
  if (http_status == 429 || http_status >= 500) return HODEI_ERR_UNAVAILABLE;
  if (http_status == 412) return HODEI_ERR_IO;
  return HODEI_ERR_INVALID_ARGUMENT;
}

sdk::Error s3_error(const std::string &operation, const std::string &uri, const std::string &endpoint,
                    const HttpResponse &response, const std::optional<S3ErrorDocument> &doc, unsigned attempts) {
  const std::string code = doc ? doc->code : std::string();
  std::string msg = "S3 " + operation + " " + uri + ": ";
  if (response.stopped) return {HODEI_ERR_CANCELLED, msg + "cancelled"};
  if (response.status == 0) {
    msg += "no answer from " + endpoint + ": " + response.curl_error + " (curl error " +
           std::to_string(static_cast<int>(response.curl_code)) + ")";
  } else {
    msg += "HTTP " + std::to_string(response.status);
    if (!code.empty()) msg += " " + code;
    if (doc && !doc->message.empty()) msg += ": " + doc->message;
    if (response.status == 404 && code.empty()) msg += " (no such object or bucket)";
    if (response.status == 403 && code.empty()) msg += " (access denied or bad credentials)";
    if (response.status == 412) msg += " (the object changed while it was being read)";
    if (response.curl_code != CURLE_OK) msg += "; then the transfer broke off: " + response.curl_error;
    if (doc && !doc->request_id.empty()) msg += " (request id " + doc->request_id + ")";
  }
  if (attempts > 1) msg += " [after " + std::to_string(attempts) + " attempts]";
  return {status_for(response.status, response.curl_code, code), msg};
}

} // namespace hodei::artifact_s3
