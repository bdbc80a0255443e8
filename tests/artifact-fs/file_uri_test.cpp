#include "file_uri.hpp"

#include <catch2/catch.hpp>
#include <hodei/sdk.hpp>

using hodei::artifact_fs::file_uri_from_path;
using hodei::artifact_fs::path_from_file_uri;

namespace {
hodei_status status_of(const std::string &uri) {
  try {
    (void)path_from_file_uri(uri);
    return HODEI_OK;
  } catch (const hodei::sdk::Error &e) {
    return e.status();
  }
}
} // namespace

TEST_CASE("fs uri: file URIs decode to absolute paths") {
  CHECK(path_from_file_uri("file:///var/lib/x") == "/var/lib/x");
  CHECK(path_from_file_uri("file://localhost/var/lib/x") == "/var/lib/x");
  CHECK(path_from_file_uri("FILE:///a%20b/c%25d") == "/a b/c%d");
  CHECK(path_from_file_uri("file:///root/../etc/passwd") == "/root/../etc/passwd"); // normalised by the jail
}

TEST_CASE("fs uri: malformed file URIs are invalid arguments") {
  for (const char *uri : {"http://x/y", "file://otherhost/x", "file:relative", "file://", "file:///a%zz", "file:///a%0",
                          "file:///a%00b", "file:///a?b", "file:///a#b", "/plain/path"}) {
    INFO(uri);
    CHECK(status_of(uri) == HODEI_ERR_INVALID_ARGUMENT);
  }
}

TEST_CASE("fs uri: paths encode to file URIs that decode back") {
  for (const char *path : {"/a/b.txt", "/a b/%/#?/é", "/x/y+z=w@v:1"}) {
    INFO(path);
    const std::string uri = file_uri_from_path(path);
    CHECK(uri.rfind("file:///", 0) == 0);
    CHECK(uri.find(' ') == std::string::npos);
    CHECK(path_from_file_uri(uri) == path);
  }
  CHECK(file_uri_from_path("/a b") == "file:///a%20b");
}
