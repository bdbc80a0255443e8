// The pure checks behind the refusals: ids, semantic versions, URI schemes, short names, status names.
#include "descriptor_validation.hpp"
#include "status.hpp"

#include <catch2/catch.hpp>

using namespace hodei::plugins;

TEST_CASE("plugin ids must be lowercase reverse-DNS with at least two parts", "[validation]") {
  for (const char *id : {"dev.hodei.executor.shell", "com.example.qemu-vm", "a.b", "io.x2.y-z"}) {
    INFO(id);
    CHECK(is_valid_plugin_id(id));
  }
  for (const char *id : {"", "shell", "Dev.hodei.shell", "dev..shell", ".dev.shell", "dev.shell.", "dev.she_ll",
                         "dev.hodei shell", "dev.héllo"}) {
    INFO(id);
    CHECK_FALSE(is_valid_plugin_id(id));
  }
}

TEST_CASE("plugin versions must be semantic versions", "[validation]") {
  for (const char *v : {"0.0.0", "1.2.3", "10.20.30", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-0.3.7", "1.0.0-x.7.z.92",
                        "1.0.0+20130313144700", "1.0.0-beta+exp.sha.5114f85", "2.1.0-rc.1+build.5"}) {
    INFO(v);
    CHECK(is_valid_semver(v));
  }
  for (const char *v : {"", "1", "1.0", "1.0.0.0", "01.0.0", "1.02.0", "1.0.0-", "1.0.0+", "1.0.0-01", "1.0.0-a..b",
                        "v1.0.0", "1.0.0-al_pha", "1.0.x"}) {
    INFO(v);
    CHECK_FALSE(is_valid_semver(v));
  }
}

TEST_CASE("URI schemes must be lowercase RFC 3986 schemes", "[validation]") {
  for (const char *s : {"s3", "file", "gs", "git+ssh", "x-y.z"}) CHECK(is_valid_uri_scheme(s));
  for (const char *s : {"", "S3", "s3:", "3s", "-x", "a b"}) CHECK_FALSE(is_valid_uri_scheme(s));
}

TEST_CASE("the short name is the last dot component of the id", "[validation]") {
  CHECK(short_name_of("dev.hodei.executor.shell") == "shell");
  CHECK(short_name_of("a.b") == "b");
}

TEST_CASE("status_name names every ABI 1.0 status code and flags unknown ones", "[validation]") {
  CHECK(std::string(status_name(HODEI_OK)) == "HODEI_OK");
  CHECK(std::string(status_name(HODEI_ERR_INVALID_ARGUMENT)) == "HODEI_ERR_INVALID_ARGUMENT");
  CHECK(std::string(status_name(HODEI_ERR_NOT_FOUND)) == "HODEI_ERR_NOT_FOUND");
  CHECK(std::string(status_name(HODEI_ERR_UNSUPPORTED)) == "HODEI_ERR_UNSUPPORTED");
  CHECK(std::string(status_name(HODEI_ERR_IO)) == "HODEI_ERR_IO");
  CHECK(std::string(status_name(HODEI_ERR_TIMEOUT)) == "HODEI_ERR_TIMEOUT");
  CHECK(std::string(status_name(HODEI_ERR_CANCELLED)) == "HODEI_ERR_CANCELLED");
  CHECK(std::string(status_name(HODEI_ERR_CHECKSUM_MISMATCH)) == "HODEI_ERR_CHECKSUM_MISMATCH");
  CHECK(std::string(status_name(HODEI_ERR_PERMISSION_DENIED)) == "HODEI_ERR_PERMISSION_DENIED");
  CHECK(std::string(status_name(HODEI_ERR_UNAVAILABLE)) == "HODEI_ERR_UNAVAILABLE");
  CHECK(std::string(status_name(HODEI_ERR_ALREADY_EXISTS)) == "HODEI_ERR_ALREADY_EXISTS");
  CHECK(std::string(status_name(HODEI_ERR_INTERNAL)) == "HODEI_ERR_INTERNAL");
  CHECK(std::string(status_name(HODEI_ERR_RESOURCE_EXHAUSTED)) == "HODEI_ERR_RESOURCE_EXHAUSTED");
  CHECK(std::string(status_name(13)) == "unknown status");
  CHECK(std::string(status_name(-1)) == "unknown status");
  CHECK(describe_status(42) == "unknown status 42");
  CHECK(describe_status(HODEI_ERR_IO) == "HODEI_ERR_IO");
}
