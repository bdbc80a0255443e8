#include "curl_request.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <hodei/sdk.hpp>

namespace hodei::artifact_s3 {
namespace {

// Error bodies and XML answers are small; anything bigger is cut (errors) or refused (XML answers).
constexpr size_t kMaxCollectedBody = 32u << 20;
constexpr long kReceiveBufferBytes = 512L * 1024;
constexpr long kUploadBufferBytes = 1024L * 1024;

std::mutex g_global_mutex;
int g_global_users = 0;

struct SlistFree {
  void operator()(curl_slist *l) const noexcept { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistFree>;

// State shared with the curl callbacks of one transfer.
struct TransferState {
  const HttpRequest *request;
  HttpResponse *response;
  CURL *handle;
  std::string_view upload; // what is left of the body to send
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

size_t on_header(char *data, size_t size, size_t count, void *user) {
  auto *st = static_cast<TransferState *>(user);
  const size_t len = size * count;
  std::string_view line(data, len);
  if (line.substr(0, 5) == "HTTP/") {
    st->response->headers.clear(); // a new answer (after 100 Continue or a redirect) starts
    return len;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return len;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  st->response->headers[lower(std::string(line.substr(0, colon)))] = std::string(value);
  return len;
}

size_t on_write(char *data, size_t size, size_t count, void *user) {
  auto *st = static_cast<TransferState *>(user);
  const size_t len = size * count;
  long status = 0;
  curl_easy_getinfo(st->handle, CURLINFO_RESPONSE_CODE, &status);
  const bool success = status >= 200 && status < 300;
  if (success && st->request->on_data) {
    try {
      st->request->on_data(data, len);
    } catch (...) {
      st->response->sink_error = std::current_exception();
      return 0; // makes curl fail with CURLE_WRITE_ERROR
    }
    st->response->delivered += len;
    return len;
  }
  std::string &body = st->response->body;
  if (body.size() + len > kMaxCollectedBody) {
    if (success) return 0; // an XML answer this big is not one we asked for
    return len;            // keep the start of an oversized error body only
  }
  body.append(data, len);
  return len;
}

size_t on_read(char *buffer, size_t size, size_t count, void *user) {
  auto *st = static_cast<TransferState *>(user);
  const size_t n = std::min(size * count, st->upload.size());
  std::memcpy(buffer, st->upload.data(), n);
  st->upload.remove_prefix(n);
  return n;
}

// Lets curl resend the body (after a 100-continue refusal, or a redirect).
int on_seek(void *user, curl_off_t offset, int origin) {
  auto *st = static_cast<TransferState *>(user);
  if (origin != SEEK_SET || offset < 0 || static_cast<size_t>(offset) > st->request->body.size())
    return CURL_SEEKFUNC_FAIL;
  st->upload = st->request->body.substr(static_cast<size_t>(offset));
  return CURL_SEEKFUNC_OK;
}

int on_progress(void *user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto *st = static_cast<TransferState *>(user);
  if (st->request->should_stop && st->request->should_stop()) {
    st->response->stopped = true;
    return 1;
  }
  return 0;
}

template <class T> void set(CURL *h, CURLoption option, T value) {
  if (curl_easy_setopt(h, option, value) != CURLE_OK)
    throw sdk::Error(HODEI_ERR_INTERNAL, "libcurl refused option " + std::to_string(static_cast<int>(option)));
}

} // namespace

CurlGlobal::CurlGlobal() {
  const std::lock_guard lock(g_global_mutex);
  if (g_global_users == 0 && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    throw sdk::Error(HODEI_ERR_INTERNAL, "curl_global_init failed");
  ++g_global_users;
}

CurlGlobal::~CurlGlobal() {
  const std::lock_guard lock(g_global_mutex);
  if (--g_global_users == 0) curl_global_cleanup();
}

CurlPool::Lease::~Lease() {
  if (handle_ && pool_ != nullptr) pool_->release(std::move(handle_));
}

CurlPool::Lease CurlPool::acquire() {
  {
    const std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      CurlEasy h = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(h));
    }
  }
  CurlEasy h(curl_easy_init());
  if (!h) throw sdk::Error(HODEI_ERR_RESOURCE_EXHAUSTED, "curl_easy_init failed");
  return Lease(*this, std::move(h));
}

void CurlPool::release(CurlEasy handle) noexcept {
  const std::lock_guard lock(mutex_);
  try {
    idle_.push_back(std::move(handle));
  } catch (...) { // out of memory: let the handle go
  }
}

std::optional<std::string> HttpResponse::header(const std::string &lower_name) const {
  const auto it = headers.find(lower_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

HttpResponse perform(CURL *h, const Transport &t, const HttpRequest &req) {
  HttpResponse resp;
  TransferState st{&req, &resp, h, req.body};
  char error_buffer[CURL_ERROR_SIZE] = {0};

  curl_easy_reset(h); // keeps the connection and DNS caches
  set(h, CURLOPT_URL, req.url.c_str());
  set(h, CURLOPT_PATH_AS_IS, 1L); // keys like "a/../b" are names, not paths to normalise
  set(h, CURLOPT_NOSIGNAL, 1L);
  set(h, CURLOPT_ERRORBUFFER, error_buffer);
  set(h, CURLOPT_AWS_SIGV4, t.sigv4.c_str());
  set(h, CURLOPT_USERNAME, t.access_key.c_str());
  set(h, CURLOPT_PASSWORD, t.secret_key.c_str());
  if (!t.ca_bundle.empty()) set(h, CURLOPT_CAINFO, t.ca_bundle.c_str());
  set(h, CURLOPT_CONNECTTIMEOUT_MS, t.connect_timeout_ms);
  set(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  set(h, CURLOPT_LOW_SPEED_TIME, t.idle_timeout_s);
  set(h, CURLOPT_BUFFERSIZE, kReceiveBufferBytes);
  set(h, CURLOPT_UPLOAD_BUFFERSIZE, kUploadBufferBytes);
  set(h, CURLOPT_TCP_KEEPALIVE, 1L);
  set(h, CURLOPT_HEADERFUNCTION, &on_header);
  set(h, CURLOPT_HEADERDATA, &st);
  set(h, CURLOPT_WRITEFUNCTION, &on_write);
  set(h, CURLOPT_WRITEDATA, &st);
  set(h, CURLOPT_NOPROGRESS, 0L);
  set(h, CURLOPT_XFERINFOFUNCTION, &on_progress);
  set(h, CURLOPT_XFERINFODATA, &st);

  if (req.method == "GET") {
    set(h, CURLOPT_HTTPGET, 1L);
  } else if (req.method == "HEAD") {
    set(h, CURLOPT_NOBODY, 1L);
  } else if (req.method == "PUT") {
    set(h, CURLOPT_UPLOAD, 1L);
    set(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    set(h, CURLOPT_READFUNCTION, &on_read);
    set(h, CURLOPT_READDATA, &st);
    set(h, CURLOPT_SEEKFUNCTION, &on_seek);
    set(h, CURLOPT_SEEKDATA, &st);
  } else if (req.method == "POST") {
    set(h, CURLOPT_POST, 1L);
    set(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    set(h, CURLOPT_POSTFIELDS, req.body.empty() ? "" : req.body.data());
  } else {
    set(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }

  Slist headers;
  for (const std::string &line : req.headers) {
    curl_slist *next = curl_slist_append(headers.get(), line.c_str());
    if (next == nullptr) throw std::bad_alloc();
    (void)headers.release();
    headers.reset(next);
  }
  set(h, CURLOPT_HTTPHEADER, headers.get());

  resp.curl_code = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp.status);
  if (resp.curl_code != CURLE_OK)
    resp.curl_error = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(resp.curl_code);
  // Nothing of this call may outlive it inside the handle.
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  return resp;
}

} // namespace hodei::artifact_s3
