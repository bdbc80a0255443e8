// One HTTP request through libcurl, signed with libcurl's built-in AWS SigV4 (CURLOPT_AWS_SIGV4).
//
// libcurl 7.88 signs the method, the path and query exactly as given in the URL (the caller must already encode
// and sort the query canonically, with "name=" for empty values), the Host and x-amz-date headers it adds, and
// every header passed here. It takes the payload hash from our x-amz-content-sha256 header, which must
// therefore always be set. Headers curl adds by itself after signing (Expect: 100-continue, Content-Length) are
// not signed, which S3 accepts; an empty "Expect:" header would be signed but not sent, so none is ever passed.
#pragma once

#include <curl/curl.h>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hodei::artifact_s3 {

// Process-wide curl_global_init/cleanup, reference counted across plugin instances.
class CurlGlobal {
public:
  CurlGlobal();
  ~CurlGlobal();
  CurlGlobal(const CurlGlobal &) = delete;
  CurlGlobal &operator=(const CurlGlobal &) = delete;
};

struct CurlEasyFree {
  void operator()(CURL *h) const noexcept { curl_easy_cleanup(h); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyFree>;

// Idle easy handles, so that their kept-alive connections serve the next request (thread-safe).
class CurlPool {
public:
  class Lease {
  public:
    Lease(CurlPool &pool, CurlEasy handle) noexcept : pool_(&pool), handle_(std::move(handle)) {}
    Lease(Lease &&) noexcept = default;
    Lease &operator=(Lease &&) noexcept = default;
    Lease(const Lease &) = delete;
    Lease &operator=(const Lease &) = delete;
    ~Lease();
    [[nodiscard]] CURL *get() const noexcept { return handle_.get(); }
    // Drops the handle (and its connection) instead of returning it to the pool, after a broken transfer.
    void discard() noexcept { handle_.reset(); }

  private:
    CurlPool *pool_;
    CurlEasy handle_;
  };

  Lease acquire();

private:
  void release(CurlEasy handle) noexcept;
  std::mutex mutex_;
  std::vector<CurlEasy> idle_;
};

// What every request of one plugin instance shares.
struct Transport {
  std::string sigv4;      // "aws:amz:REGION:s3"
  std::string access_key; // CURLOPT_USERNAME (not USERPWD: keys may contain ':')
  std::string secret_key; // CURLOPT_PASSWORD
  std::string ca_bundle;  // empty: libcurl's default
  long connect_timeout_ms = 10'000;
  long idle_timeout_s = 60;
};

struct HttpRequest {
  std::string method;               // GET HEAD PUT POST DELETE
  std::string url;                  // path and query already encoded; the query sorted
  std::vector<std::string> headers; // "Name: value"; must include x-amz-content-sha256
  std::string_view body;            // sent for PUT and POST
  // GET: receives the body of a 2xx answer chunk by chunk; throwing aborts the transfer and the exception is kept
  // in HttpResponse::sink_error. Without it, a 2xx body is collected into HttpResponse::body.
  std::function<void(const char *data, size_t len)> on_data;
  // Polled by curl's progress callback (several times a second); true aborts the transfer.
  std::function<bool()> should_stop;
};

struct HttpResponse {
  CURLcode curl_code = CURLE_OK;
  std::string curl_error;                     // CURLOPT_ERRORBUFFER, or curl_easy_strerror
  long status = 0;                            // 0 when no HTTP answer arrived
  std::map<std::string, std::string> headers; // of the final answer; names lowercased
  std::string body;                           // error bodies (capped), or 2xx bodies without on_data
  uint64_t delivered = 0;                     // bytes handed to on_data
  std::exception_ptr sink_error;              // what on_data threw
  bool stopped = false;                       // should_stop aborted it

  [[nodiscard]] std::optional<std::string> header(const std::string &lower_name) const;
  [[nodiscard]] bool ok() const noexcept { return curl_code == CURLE_OK && status >= 200 && status < 300; }
};

// Runs one request on `handle` (which is reset first). Never throws for transfer failures: they are reported in
// the response. Throws std::bad_alloc or sdk::Error(INTERNAL) when curl cannot even be set up.
HttpResponse perform(CURL *handle, const Transport &transport, const HttpRequest &request);

} // namespace hodei::artifact_s3
