// The plugin config of dev.hodei.artifact.s3.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hodei::artifact_s3 {

extern const char kS3ConfigSchema[];

enum class Addressing { path, virtual_host };

struct S3Config {
  static constexpr uint64_t kMinPartSize = 5ull << 20;
  static constexpr uint64_t kMaxPartSize = 5ull << 30;

  // "scheme://host[:port][/base/path]" without a trailing slash.
  std::string endpoint = "https://s3.amazonaws.com";
  bool endpoint_configured = false;
  std::string region = "us-east-1";
  Addressing addressing = Addressing::virtual_host;
  std::optional<std::string> access_key;
  std::optional<std::string> secret_key;
  std::optional<std::string> session_token;
  std::string ca_bundle; // empty: libcurl's default
  uint64_t part_size = 8ull << 20;
  unsigned max_parallel_parts = 4;
  unsigned max_retries = 5;
  unsigned list_page_size = 1000; // max-keys of each ListObjectsV2 request
  std::chrono::milliseconds retry_base_delay{200};
  std::chrono::milliseconds retry_max_delay{20'000};
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::seconds idle_timeout{60}; // a transfer moving no byte for this long fails (and is retried)
  // A failed multipart upload is aborted so no parts stay stored. When S3 is unreachable, the abort (after its own
  // max_retries) is tried again with backoff until this much time passed since the first attempt.
  std::chrono::milliseconds abort_retry_window{60'000};

  // Parses and validates the plugin config object; throws sdk::invalid_argument naming the field
  // ("config.part_size: ..."). Defaults: endpoint from the region, path addressing when an endpoint is set.
  static S3Config parse(std::string_view json);
};

} // namespace hodei::artifact_s3
