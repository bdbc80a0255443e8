// Where the integration tests find their Docker daemon: DOCKER_HOST=unix://... and HODEI_TEST_DOCKER_IMAGE, as
// written by `scripts/services/docker.sh start DIR` into DIR/docker.env. Without a daemon a test is skipped with a
// message, unless HODEI_TEST_REQUIRE_SERVICES=1 (CI), where it fails.
#pragma once

#include <catch2/catch.hpp>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace hodei::test {

// The daemon's socket path, or nullopt when none is configured (after a WARN, or a FAIL when services are required).
inline std::optional<std::string> docker_socket() {
  const char *host = std::getenv("DOCKER_HOST"); // NOLINT(concurrency-mt-unsafe): tests are single-threaded here
  const char *require = std::getenv("HODEI_TEST_REQUIRE_SERVICES"); // NOLINT(concurrency-mt-unsafe)
  const bool required = require != nullptr && std::string_view(require) == "1";
  constexpr std::string_view kScheme = "unix://";
  if (host == nullptr || std::string_view(host).substr(0, kScheme.size()) != kScheme) {
    if (required) {
      FAIL("HODEI_TEST_REQUIRE_SERVICES=1 but DOCKER_HOST is not a unix:// socket; start the test daemon with "
           "scripts/services/docker.sh start DIR and source DIR/docker.env");
    }
    WARN("SKIPPED: no Docker daemon (DOCKER_HOST=unix://... unset); start one with scripts/services/docker.sh start "
         "DIR and source DIR/docker.env");
    return std::nullopt;
  }
  return std::string(std::string_view(host).substr(kScheme.size()));
}

inline std::string test_image() {
  const char *image = std::getenv("HODEI_TEST_DOCKER_IMAGE"); // NOLINT(concurrency-mt-unsafe)
  return image != nullptr && *image != '\0' ? image : "hodei-test/busybox:latest";
}

} // namespace hodei::test

// Declares `socket` (the daemon's socket path) or leaves the test case (skip or fail, see above).
#define HODEI_REQUIRE_DOCKER(socket)                                                                                   \
  const std::optional<std::string> socket##_opt = ::hodei::test::docker_socket();                                      \
  if (!socket##_opt) return;                                                                                           \
  const std::string &socket = *socket##_opt
