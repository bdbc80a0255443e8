#include "s3_config.hpp"

#include <curl/curl.h>
#include <hodei/sdk.hpp>
#include <memory>
#include <nlohmann/json.hpp>

namespace hodei::artifact_s3 {

const char kS3ConfigSchema[] = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "endpoint": {"type": "string", "description": "http(s)://host[:port] of the S3 service. Default: AWS for the region."},
    "region": {"type": "string", "default": "us-east-1", "description": "SigV4 signing region."},
    "addressing": {"enum": ["path", "virtual"], "description": "Default: path when endpoint is set, else virtual."},
    "access_key": {"type": "string", "description": "Default: AWS_ACCESS_KEY_ID, then ~/.aws/credentials."},
    "secret_key": {"type": "string", "description": "Required with access_key."},
    "session_token": {"type": "string", "description": "Temporary credentials (x-amz-security-token)."},
    "ca_bundle": {"type": "string", "description": "PEM file of CA certificates for https endpoints."},
    "part_size": {"type": "integer", "minimum": 5242880, "maximum": 5368709120, "default": 8388608},
    "max_parallel_parts": {"type": "integer", "minimum": 1, "maximum": 64, "default": 4},
    "max_retries": {"type": "integer", "minimum": 0, "maximum": 100, "default": 5},
    "list_page_size": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 1000},
    "retry_base_delay_ms": {"type": "integer", "minimum": 0, "default": 200},
    "retry_max_delay_ms": {"type": "integer", "minimum": 0, "default": 20000},
    "connect_timeout_ms": {"type": "integer", "minimum": 1, "default": 10000},
    "idle_timeout_s": {"type": "integer", "minimum": 1, "default": 60},
    "abort_retry_window_ms": {"type": "integer", "minimum": 0, "maximum": 3600000, "default": 60000,
      "description": "How long a failed upload keeps trying to abort its multipart upload (S3 unreachable)."}
  }
})";

namespace {

struct CurlUrlFree {
  void operator()(CURLU *u) const noexcept { curl_url_cleanup(u); }
};
struct CurlStrFree {
  void operator()(char *s) const noexcept { curl_free(s); }
};

std::string url_part(CURLU *u, CURLUPart part) {
  char *raw = nullptr;
  if (curl_url_get(u, part, &raw, 0) != CURLUE_OK || raw == nullptr) return {};
  const std::unique_ptr<char, CurlStrFree> owned(raw);
  return raw;
}

// "http(s)://host[:port][/path]" -> normalised, without a trailing slash; throws for anything else.
std::string parse_endpoint(const std::string &text) {
  const std::string field = "config.endpoint";
  const std::unique_ptr<CURLU, CurlUrlFree> u(curl_url());
  if (!u) throw std::bad_alloc();
  if (curl_url_set(u.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK)
    throw sdk::invalid_argument(field + ": \"" + text + "\" is not a URL like https://s3.example.com:9000");
  const std::string scheme = url_part(u.get(), CURLUPART_SCHEME);
  if (scheme != "http" && scheme != "https")
    throw sdk::invalid_argument(field + ": expected an http:// or https:// URL, got \"" + text + "\"");
  if (!url_part(u.get(), CURLUPART_USER).empty() || !url_part(u.get(), CURLUPART_PASSWORD).empty())
    throw sdk::invalid_argument(field + ": must not hold credentials; use config.access_key/secret_key");
  if (!url_part(u.get(), CURLUPART_QUERY).empty() || !url_part(u.get(), CURLUPART_FRAGMENT).empty())
    throw sdk::invalid_argument(field + ": must not have a query or a fragment");
  const std::string host = url_part(u.get(), CURLUPART_HOST);
  if (host.empty()) throw sdk::invalid_argument(field + ": has no host");
  const std::string port = url_part(u.get(), CURLUPART_PORT);
  std::string path = url_part(u.get(), CURLUPART_PATH);
  while (!path.empty() && path.back() == '/') path.pop_back();
  return scheme + "://" + host + (port.empty() ? "" : ":" + port) + path;
}

std::string string_field(const nlohmann::json &value, const std::string &name, bool allow_empty = false) {
  if (!value.is_string()) throw sdk::invalid_argument("config." + name + ": expected a string");
  std::string s = value.get<std::string>();
  if (!allow_empty && s.empty()) throw sdk::invalid_argument("config." + name + ": must not be empty");
  if (s.find('\0') != std::string::npos) throw sdk::invalid_argument("config." + name + ": contains a NUL byte");
  return s;
}

uint64_t integer_field(const nlohmann::json &value, const std::string &name, uint64_t min, uint64_t max) {
  if (!value.is_number_integer() || (!value.is_number_unsigned() && value.get<int64_t>() < 0))
    throw sdk::invalid_argument("config." + name + ": expected a non-negative integer");
  const auto v = value.get<uint64_t>();
  if (v < min || v > max)
    throw sdk::invalid_argument("config." + name + ": " + std::to_string(v) + " is out of range [" +
                                std::to_string(min) + ", " + std::to_string(max) + "]");
  return v;
}

} // namespace

S3Config S3Config::parse(std::string_view json) {
  const nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) throw sdk::invalid_argument("config: not valid JSON");
  if (!doc.is_object()) throw sdk::invalid_argument("config: expected a JSON object");

  S3Config c;
  std::optional<Addressing> addressing;
  for (const auto &[key, value] : doc.items()) {
    if (key == "endpoint") {
      c.endpoint = parse_endpoint(string_field(value, key));
      c.endpoint_configured = true;
    } else if (key == "region") {
      c.region = string_field(value, key);
      for (const char ch : c.region)
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
          throw sdk::invalid_argument("config.region: expected a region name such as \"eu-west-1\", got \"" + c.region +
                                      "\"");
    } else if (key == "addressing") {
      const std::string a = string_field(value, key);
      if (a == "path")
        addressing = Addressing::path;
      else if (a == "virtual")
        addressing = Addressing::virtual_host;
      else
        throw sdk::invalid_argument("config.addressing: expected \"path\" or \"virtual\", got \"" + a + "\"");
    } else if (key == "access_key") {
      c.access_key = string_field(value, key);
    } else if (key == "secret_key") {
      c.secret_key = string_field(value, key);
    } else if (key == "session_token") {
      c.session_token = string_field(value, key);
    } else if (key == "ca_bundle") {
      c.ca_bundle = string_field(value, key);
    } else if (key == "part_size") {
      c.part_size = integer_field(value, key, kMinPartSize, kMaxPartSize);
    } else if (key == "max_parallel_parts") {
      c.max_parallel_parts = static_cast<unsigned>(integer_field(value, key, 1, 64));
    } else if (key == "max_retries") {
      c.max_retries = static_cast<unsigned>(integer_field(value, key, 0, 100));
    } else if (key == "list_page_size") {
      c.list_page_size = static_cast<unsigned>(integer_field(value, key, 1, 1000));
    } else if (key == "retry_base_delay_ms") {
      c.retry_base_delay = std::chrono::milliseconds(integer_field(value, key, 0, 3'600'000));
    } else if (key == "retry_max_delay_ms") {
      c.retry_max_delay = std::chrono::milliseconds(integer_field(value, key, 0, 3'600'000));
    } else if (key == "connect_timeout_ms") {
      c.connect_timeout = std::chrono::milliseconds(integer_field(value, key, 1, 3'600'000));
    } else if (key == "abort_retry_window_ms") {
      c.abort_retry_window = std::chrono::milliseconds(integer_field(value, key, 0, 3'600'000));
    } else if (key == "idle_timeout_s") {
      c.idle_timeout = std::chrono::seconds(integer_field(value, key, 1, 86'400));
    } else {
      throw sdk::invalid_argument(
          "config." + key +
          ": unknown field (known: endpoint, region, addressing, access_key, secret_key, "
          "session_token, ca_bundle, part_size, max_parallel_parts, max_retries, "
          "list_page_size, retry_base_delay_ms, retry_max_delay_ms, connect_timeout_ms, idle_timeout_s, "
          "abort_retry_window_ms)");
    }
  }
  if (c.access_key.has_value() != c.secret_key.has_value())
    throw sdk::invalid_argument(c.access_key ? "config.secret_key: required when config.access_key is set"
                                             : "config.access_key: required when config.secret_key is set");
  if (c.session_token && !c.access_key)
    throw sdk::invalid_argument("config.session_token: only valid together with config.access_key/secret_key");
  if (!c.endpoint_configured)
    c.endpoint = c.region == "us-east-1" ? "https://s3.amazonaws.com" : "https://s3." + c.region + ".amazonaws.com";
  c.addressing = addressing.value_or(c.endpoint_configured ? Addressing::path : Addressing::virtual_host);
  if (c.retry_max_delay < c.retry_base_delay)
    throw sdk::invalid_argument("config.retry_max_delay_ms: must not be smaller than config.retry_base_delay_ms");
  return c;
}

} // namespace hodei::artifact_s3
