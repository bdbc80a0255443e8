// The S3 operations the backend needs, each one signed request (or a resumed series for GET) with retries.
#pragma once

#include "credentials.hpp"
#include "curl_request.hpp"
#include "retry_policy.hpp"
#include "s3_config.hpp"
#include "s3_uri.hpp"
#include "s3_url.hpp"
#include "s3_xml.hpp"
#include "stop_signal.hpp"

#include <functional>
#include <hodei/sdk.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hodei::artifact_s3 {

struct ObjectHead {
  uint64_t size = 0;
  int64_t modified_unix_ms = 0;
  std::string etag;       // without quotes
  std::string sha256_hex; // from x-amz-checksum-sha256 or x-amz-meta-sha256, else ""
};

struct PutResult {
  std::string etag;
  int64_t modified_unix_ms = 0; // the server's Date of the answer
};

using DataSink = std::function<void(const char *data, size_t len)>;

// Every function throws sdk::Error (see s3_errors.hpp) once the retries are spent, CANCELLED when `stop` fires.
// Thread-safe: parts of one upload run concurrently on one client.
class S3Client {
public:
  S3Client(const S3Config &config, Credentials credentials, const sdk::Host &host);

  ObjectHead head_object(const S3Location &loc, const StopSignal &stop);
  // Bytes [offset, offset + length) (nullopt: to the end; length must not be 0) into `sink`. After a broken
  // connection it resumes where it stopped, with If-Match on the ETag first seen so that a concurrent overwrite
  // fails (HODEI_ERR_IO) instead of splicing two objects. Returns false, having written nothing, when the range
  // starts at or past the end of the object (HTTP 416).
  bool get_object(const S3Location &loc, uint64_t offset, std::optional<uint64_t> length, const DataSink &sink,
                  const StopSignal &stop);
  // One PUT of `body`; `sha256_hex` is its payload hash. `meta_sha256` becomes x-amz-meta-sha256.
  PutResult put_object(const S3Location &loc, std::string_view body, const std::string &sha256_hex,
                       const std::optional<std::string> &meta_sha256, const StopSignal &stop);
  // OK when the object does not exist.
  void delete_object(const S3Location &loc, const StopSignal &stop);
  // One page of ListObjectsV2 (up to 1000 keys, in UTF-8 binary order).
  ListObjectsPage list_objects(const std::string &bucket, const std::string &prefix, const std::string &token,
                               const StopSignal &stop);

  std::string create_multipart_upload(const S3Location &loc, const std::optional<std::string> &meta_sha256,
                                      const StopSignal &stop);
  // Hashes the part (SHA-256 payload hash, Content-MD5) and uploads it; returns its ETag.
  std::string upload_part(const S3Location &loc, const std::string &upload_id, unsigned part_number,
                          std::string_view body, const StopSignal &stop);
  PutResult complete_multipart_upload(const S3Location &loc, const std::string &upload_id,
                                      const std::vector<std::string> &part_etags, const StopSignal &stop);
  // Not cancellable: it is what runs after a cancel. OK when the upload is already gone.
  void abort_multipart_upload(const S3Location &loc, const std::string &upload_id);

  [[nodiscard]] const S3Config &config() const noexcept { return config_; }
  [[nodiscard]] const sdk::Host &host() const noexcept { return host_; }

private:
  struct Call {
    const char *operation = ""; // S3 API name, for messages
    std::string method;
    const S3Location *loc = nullptr;
    QueryParams query;
    std::vector<std::string> headers;
    std::string_view body;
    std::string payload_sha256; // hex; empty: the hash of the empty body
    DataSink on_data;
    std::vector<long> accepted_statuses; // answers taken as success besides 2xx (404 for a delete...)
    unsigned attempts = 0;               // set by execute
  };
  // Called after a failed attempt, before the next; returns true when the attempt made progress (which resets
  // the retry budget).
  using BeforeRetry = std::function<bool(Call &, const HttpResponse &)>;

  HttpResponse execute(Call &call, const StopSignal &stop, const BeforeRetry &before_retry = {});

  S3Config config_;
  CurlGlobal curl_global_;
  Transport transport_;
  std::string session_token_;
  RetryPolicy retry_;
  CurlPool pool_;
  const sdk::Host &host_;
};

} // namespace hodei::artifact_s3
