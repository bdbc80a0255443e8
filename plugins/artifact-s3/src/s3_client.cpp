#include "s3_client.hpp"

#include "digest.hpp"
#include "s3_errors.hpp"
#include "s3_url.hpp"
#include "timestamps.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace hodei::artifact_s3 {
namespace {

constexpr const char *kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

void drop_header(std::vector<std::string> &headers, std::string_view name) {
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [&](const std::string &h) {
                                 return h.size() > name.size() && h[name.size()] == ':' &&
                                        std::equal(name.begin(), name.end(), h.begin(), [](char a, char b) {
                                          return std::tolower(static_cast<unsigned char>(a)) ==
                                                 std::tolower(static_cast<unsigned char>(b));
                                        });
                               }),
                headers.end());
}

sdk::Error unreadable_answer(const char *operation, const std::string &uri, const XmlError &e) {
  return {HODEI_ERR_UNAVAILABLE, std::string("S3 ") + operation + " " + uri + ": unreadable answer: " + e.what()};
}

} // namespace

S3Client::S3Client(const S3Config &config, Credentials credentials, const sdk::Host &host)
    : config_(config), session_token_(std::move(credentials.session_token)), host_(host) {
  transport_.sigv4 = "aws:amz:" + config_.region + ":s3";
  transport_.access_key = std::move(credentials.access_key);
  transport_.secret_key = std::move(credentials.secret_key);
  transport_.ca_bundle = config_.ca_bundle;
  transport_.connect_timeout_ms = static_cast<long>(config_.connect_timeout.count());
  transport_.idle_timeout_s = static_cast<long>(config_.idle_timeout.count());
  retry_.max_retries = config_.max_retries;
  retry_.base_delay = config_.retry_base_delay;
  retry_.max_delay = config_.retry_max_delay;
}

HttpResponse S3Client::execute(Call &call, const StopSignal &stop, const BeforeRetry &before_retry) {
  const std::string uri = call.loc->uri();
  unsigned attempt = 0;
  unsigned total_attempts = 0;
  for (;;) {
    ++attempt;
    call.attempts = ++total_attempts;
    if (stop.stop_requested())
      throw sdk::Error(HODEI_ERR_CANCELLED, "S3 " + std::string(call.operation) + " " + uri + ": cancelled");

    HttpRequest req;
    req.method = call.method;
    req.url = s3_request_url(config_.endpoint, config_.addressing, *call.loc, call.query);
    req.headers = call.headers;
    req.headers.push_back("x-amz-content-sha256: " +
                          (call.payload_sha256.empty() ? std::string(kEmptySha256) : call.payload_sha256));
    if (!session_token_.empty()) req.headers.push_back("x-amz-security-token: " + session_token_);
    req.body = call.body;
    req.on_data = call.on_data;
    req.should_stop = [&stop] { return stop.stop_requested(); };

    CurlPool::Lease lease = pool_.acquire();
    HttpResponse resp = perform(lease.get(), transport_, req);
    if (resp.curl_code != CURLE_OK) lease.discard(); // do not reuse a connection in an unknown state
    if (resp.sink_error) std::rethrow_exception(resp.sink_error);
    if (resp.ok()) return resp;
    if (resp.curl_code == CURLE_OK && std::find(call.accepted_statuses.begin(), call.accepted_statuses.end(),
                                                resp.status) != call.accepted_statuses.end())
      return resp;

    const std::optional<S3ErrorDocument> doc = parse_error_document(resp.body);
    const std::string code = doc ? doc->code : std::string();
    sdk::Error error = s3_error(call.operation, uri, config_.endpoint, resp, doc, total_attempts);
    if (resp.stopped || !is_retryable(resp.status, resp.curl_code, code) || attempt > retry_.max_retries) throw error;

    const std::chrono::milliseconds delay = retry_.delay_before(attempt);
    host_.warn(std::string(error.what()) + "; retry " + std::to_string(attempt) + "/" +
               std::to_string(retry_.max_retries) + " in " + std::to_string(delay.count()) + " ms");
    if (!sleep_unless_stopped(delay, stop))
      throw sdk::Error(HODEI_ERR_CANCELLED, "S3 " + std::string(call.operation) + " " + uri + ": cancelled");
    if (before_retry && before_retry(call, resp)) attempt = 0;
  }
}

ObjectHead S3Client::head_object(const S3Location &loc, const StopSignal &stop) {
  Call call;
  call.operation = "HeadObject";
  call.method = "HEAD";
  call.loc = &loc;
  const HttpResponse resp = execute(call, stop);
  ObjectHead head;
  const std::string length = resp.header("content-length").value_or("0");
  head.size = std::strtoull(length.c_str(), nullptr, 10);
  head.modified_unix_ms = http_date_to_unix_ms(resp.header("last-modified").value_or(""));
  head.etag = unquote_etag(resp.header("etag").value_or(""));
  if (const auto checksum = resp.header("x-amz-checksum-sha256")) {
    if (const auto raw = base64_decode(*checksum); raw && raw->size() == 32) head.sha256_hex = hex_encode(*raw);
  }
  if (head.sha256_hex.empty()) {
    if (const auto meta = resp.header("x-amz-meta-sha256"); meta && is_sha256_hex(*meta))
      head.sha256_hex = to_lower(*meta);
  }
  return head;
}

bool S3Client::get_object(const S3Location &loc, uint64_t offset, std::optional<uint64_t> length, const DataSink &sink,
                          const StopSignal &stop) {
  uint64_t delivered = 0;
  std::string etag;
  Call call;
  call.operation = "GetObject";
  call.method = "GET";
  call.loc = &loc;
  call.on_data = [&](const char *data, size_t len) {
    sink(data, len);
    delivered += len;
  };
  auto set_range = [&](Call &c) {
    drop_header(c.headers, "Range");
    drop_header(c.headers, "If-Match");
    const uint64_t from = offset + delivered;
    if (from > 0 || length)
      c.headers.push_back("Range: bytes=" + std::to_string(from) + "-" +
                          (length ? std::to_string(offset + *length - 1) : std::string()));
    if (!etag.empty()) c.headers.push_back("If-Match: \"" + etag + "\"");
  };
  set_range(call);
  call.accepted_statuses = {416};
  uint64_t delivered_before = 0;
  const HttpResponse resp = execute(call, stop, [&](Call &c, const HttpResponse &failed) {
    if (etag.empty() && failed.status >= 200 && failed.status < 300)
      etag = unquote_etag(failed.header("etag").value_or(""));
    set_range(c);
    const bool progress = delivered > delivered_before;
    delivered_before = delivered;
    return progress;
  });
  return resp.status != 416;
}

PutResult S3Client::put_object(const S3Location &loc, std::string_view body, const std::string &sha256_hex,
                               const std::optional<std::string> &meta_sha256, const StopSignal &stop) {
  Call call;
  call.operation = "PutObject";
  call.method = "PUT";
  call.loc = &loc;
  call.body = body;
  call.payload_sha256 = sha256_hex;
  call.headers = {"Content-Type: application/octet-stream", "Content-MD5: " + md5_base64(body)};
  if (meta_sha256) call.headers.push_back("x-amz-meta-sha256: " + *meta_sha256);
  const HttpResponse resp = execute(call, stop);
  return {unquote_etag(resp.header("etag").value_or("")), http_date_to_unix_ms(resp.header("date").value_or(""))};
}

void S3Client::delete_object(const S3Location &loc, const StopSignal &stop) {
  Call call;
  call.operation = "DeleteObject";
  call.method = "DELETE";
  call.loc = &loc;
  call.accepted_statuses = {404}; // no such key (or bucket): nothing to delete
  execute(call, stop);
}

ListObjectsPage S3Client::list_objects(const std::string &bucket, const std::string &prefix, const std::string &token,
                                       const StopSignal &stop) {
  const S3Location loc{bucket, ""};
  Call call;
  call.operation = "ListObjectsV2";
  call.method = "GET";
  call.loc = &loc;
  call.query = {{"list-type", "2"}, {"encoding-type", "url"}, {"max-keys", std::to_string(config_.list_page_size)}};
  if (!prefix.empty()) call.query.emplace_back("prefix", prefix);
  if (!token.empty()) call.query.emplace_back("continuation-token", token);
  const HttpResponse resp = execute(call, stop);
  try {
    return parse_list_objects_v2(resp.body);
  } catch (const XmlError &e) {
    throw unreadable_answer(call.operation, "s3://" + bucket + "/" + prefix, e);
  }
}

std::string S3Client::create_multipart_upload(const S3Location &loc, const std::optional<std::string> &meta_sha256,
                                              const StopSignal &stop) {
  Call call;
  call.operation = "CreateMultipartUpload";
  call.method = "POST";
  call.loc = &loc;
  call.query = {{"uploads", ""}};
  call.headers = {"Content-Type: application/octet-stream"};
  if (meta_sha256) call.headers.push_back("x-amz-meta-sha256: " + *meta_sha256);
  const HttpResponse resp = execute(call, stop);
  try {
    return parse_initiate_multipart_upload(resp.body);
  } catch (const XmlError &e) {
    throw unreadable_answer(call.operation, loc.uri(), e);
  }
}

std::string S3Client::upload_part(const S3Location &loc, const std::string &upload_id, unsigned part_number,
                                  std::string_view body, const StopSignal &stop) {
  Call call;
  call.operation = "UploadPart";
  call.method = "PUT";
  call.loc = &loc;
  call.query = {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}};
  call.body = body;
  call.payload_sha256 = sha256_hex(body);
  call.headers = {"Content-MD5: " + md5_base64(body)};
  const HttpResponse resp = execute(call, stop);
  std::string etag = unquote_etag(resp.header("etag").value_or(""));
  if (etag.empty())
    throw sdk::Error(HODEI_ERR_UNAVAILABLE, "S3 UploadPart " + loc.uri() + ": part " + std::to_string(part_number) +
                                                " answered without an ETag");
  return etag;
}

PutResult S3Client::complete_multipart_upload(const S3Location &loc, const std::string &upload_id,
                                              const std::vector<std::string> &part_etags, const StopSignal &stop) {
  const std::string body = complete_multipart_upload_body(part_etags);
  Call call;
  call.operation = "CompleteMultipartUpload";
  call.method = "POST";
  call.loc = &loc;
  call.query = {{"uploadId", upload_id}};
  call.body = body;
  call.payload_sha256 = sha256_hex(body);
  call.headers = {"Content-Type: application/xml", "Content-MD5: " + md5_base64(body)};

  // The answer may be "200 OK" followed by an <Error> when the server failed while assembling the parts.
  for (unsigned attempt = 1;; ++attempt) {
    HttpResponse resp;
    try {
      resp = execute(call, stop);
    } catch (const sdk::Error &e) {
      // A repeated Complete whose first attempt did succeed (only its answer was lost) finds no upload any more:
      // the object is there when its multipart ETag ("...-<parts>") says so.
      if (e.status() != HODEI_ERR_NOT_FOUND || call.attempts < 2) throw;
      const ObjectHead head = head_object(loc, stop);
      const std::string suffix = "-" + std::to_string(part_etags.size());
      if (head.etag.size() <= suffix.size() ||
          head.etag.compare(head.etag.size() - suffix.size(), suffix.size(), suffix) != 0)
        throw;
      return {head.etag, head.modified_unix_ms};
    }
    CompleteMultipartResult result;
    try {
      result = parse_complete_multipart_upload(resp.body);
    } catch (const XmlError &e) {
      throw unreadable_answer(call.operation, loc.uri(), e);
    }
    if (!result.error) {
      if (result.etag.empty()) result.etag = unquote_etag(resp.header("etag").value_or(""));
      if (result.etag.empty()) { // radosgw 16 answers <ETag></ETag>: ask the object itself
        const ObjectHead head = head_object(loc, stop);
        return {head.etag, head.modified_unix_ms};
      }
      return {result.etag, http_date_to_unix_ms(resp.header("date").value_or(""))};
    }
    const sdk::Error error = s3_error(call.operation, loc.uri(), config_.endpoint, resp, result.error, attempt);
    const bool retryable = is_retryable(400, CURLE_OK, result.error->code); // true only for transient codes
    if (!retryable || attempt > retry_.max_retries)
      throw sdk::Error(retryable ? HODEI_ERR_UNAVAILABLE : status_for(400, CURLE_OK, result.error->code), error.what());
    host_.warn(std::string(error.what()) + "; retrying");
    if (!sleep_unless_stopped(retry_.delay_before(attempt), stop))
      throw sdk::Error(HODEI_ERR_CANCELLED, "S3 CompleteMultipartUpload " + loc.uri() + ": cancelled");
  }
}

void S3Client::abort_multipart_upload(const S3Location &loc, const std::string &upload_id) {
  Call call;
  call.operation = "AbortMultipartUpload";
  call.method = "DELETE";
  call.loc = &loc;
  call.query = {{"uploadId", upload_id}};
  call.accepted_statuses = {404}; // NoSuchUpload: already gone
  // Not cancellable, and kept trying for a while: parts left behind cost storage until someone removes them, and
  // the S3 server may be back a moment after the upload gave up.
  const auto deadline = std::chrono::steady_clock::now() + config_.abort_retry_window;
  for (unsigned round = 1;; ++round) {
    try {
      execute(call, StopSignal());
      return;
    } catch (const sdk::Error &e) {
      const auto now = std::chrono::steady_clock::now();
      if (e.status() != HODEI_ERR_UNAVAILABLE || now >= deadline) throw;
      const auto delay = std::min(retry_.delay_before(retry_.max_retries + round),
                                  std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
      host_.warn(std::string(e.what()) + "; the upload " + upload_id + " is not aborted yet: trying again in " +
                 std::to_string(delay.count()) + " ms");
      sleep_unless_stopped(delay, StopSignal());
    }
  }
}

} // namespace hodei::artifact_s3
