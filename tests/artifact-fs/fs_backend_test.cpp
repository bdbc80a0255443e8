// dev.hodei.artifact.fs through its C ABI: round trips, ranges, root confinement, integrity, cancel, list.
#include "backend_harness.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

using namespace hodei::test;
namespace fs = std::filesystem;

namespace {

const std::string kPlugin = std::string(HODEI_PLUGIN_DIR) + "/libhodei-artifact-fs.so";

std::string config_for(const std::string &root) { return R"({"root": ")" + root + R"("})"; }

struct Fixture {
  TempDir dir{"hodei-artifact-fs"};
  std::string root = dir.path() + "/root";
  FakeHost host;
  LoadedBackend backend{kPlugin, config_for(root), host};

  Fixture() { REQUIRE(backend.init_result().ok()); }
  [[nodiscard]] std::string uri(const std::string &rel) const { return "file://" + root + "/" + rel; }

  void put_text(const std::string &rel, const std::string &text) {
    ReadSource src = ReadSource::of(text);
    REQUIRE(backend.put(uri(rel), src).ok());
  }

  // Every entry of a folder, hidden ones included.
  static std::vector<std::string> entries(const std::string &folder) {
    std::vector<std::string> names;
    for (const auto &e : fs::directory_iterator(folder)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
};

} // namespace

TEST_CASE("fs: the descriptor names the plugin, its scheme and LIST") {
  Fixture f;
  const hodei_plugin_descriptor &d = f.backend.descriptor();
  CHECK(std::string(d.id) == "dev.hodei.artifact.fs");
  CHECK((d.kinds & HODEI_KIND_ARTIFACT_BACKEND) != 0);
  CHECK((d.capabilities & HODEI_CAP_ARTIFACT_LIST) != 0);
  REQUIRE(d.uri_schemes != nullptr);
  CHECK(std::string(d.uri_schemes[0]) == "file");
  CHECK(d.uri_schemes[1] == nullptr);
  CHECK(f.backend.api().list != nullptr);
  REQUIRE(d.config_schema_json != nullptr);
  const nlohmann::json schema = nlohmann::json::parse(d.config_schema_json);
  CHECK(schema["properties"].contains("root"));
}

TEST_CASE("fs: config: root defaults to worker.data_dir/artifacts, else init is refused") {
  TempDir dir;
  FakeHost host;
  SECTION("default from the host") {
    host.settings["worker.data_dir"] = dir.path();
    LoadedBackend b(kPlugin, "{}", host);
    REQUIRE(b.init_result().ok());
    ReadSource src = ReadSource::of("x");
    CHECK(b.put("file://" + dir.path() + "/artifacts/a.txt", src).ok());
    CHECK(fs::is_regular_file(dir.path() + "/artifacts/a.txt"));
  }
  SECTION("no root and no data_dir") {
    LoadedBackend b(kPlugin, "{}", host);
    CHECK(b.init_result().status == HODEI_ERR_INVALID_ARGUMENT);
    CHECK_THAT(b.init_result().message, Catch::Contains("config.root"));
  }
  SECTION("bad fields are named") {
    LoadedBackend relative(kPlugin, R"({"root": "relative/dir"})", host);
    CHECK(relative.init_result().status == HODEI_ERR_INVALID_ARGUMENT);
    CHECK_THAT(relative.init_result().message, Catch::Contains("config.root"));
    LoadedBackend unknown(kPlugin, R"({"root": "/tmp", "rooot": 1})", host);
    CHECK(unknown.init_result().status == HODEI_ERR_INVALID_ARGUMENT);
    CHECK_THAT(unknown.init_result().message, Catch::Contains("config.rooot"));
    LoadedBackend not_json(kPlugin, "{", host);
    CHECK(not_json.init_result().status == HODEI_ERR_INVALID_ARGUMENT);
  }
}

TEST_CASE("fs: round trips keep every byte", "[roundtrip]") {
  Fixture f;
  const uint64_t size = GENERATE(0ull, 1ull, 65535ull, 65536ull, 65537ull, 10'000'000ull);
  INFO("size " << size);
  ReadSource src = ReadSource::pattern(size, size + 7).chunk(100'000);
  const std::string sha = src.sha256();
  const std::string uri = f.uri("dir/sub/object-" + std::to_string(size) + ".bin");

  const InfoResult put = f.backend.put(uri, src, sha.c_str());
  REQUIRE(put.ok());
  CHECK(put.info.size == size);
  CHECK(std::string(put.info.sha256_hex) == sha);

  WriteSink sink;
  REQUIRE(f.backend.get(uri, sink).ok());
  CHECK(sink.bytes() == size);
  CHECK(sink.sha256() == sha);
  // Streamed in chunks of at least 64 KiB (the last one may be shorter).
  for (size_t i = 0; i + 1 < sink.chunks().size(); ++i) CHECK(sink.chunks()[i] >= size_t{64} * 1024);

  const InfoResult st = f.backend.stat(uri);
  REQUIRE(st.ok());
  CHECK(st.info.size == size);
  CHECK(st.info.modified_unix_ms > 0);
  CHECK(std::string(st.info.sha256_hex).empty());
  CHECK(std::string(st.info.etag) == std::string(put.info.etag));
  // Nothing but the object is left in its folder.
  CHECK(Fixture::entries(f.root + "/dir/sub") == std::vector<std::string>{"object-" + std::to_string(size) + ".bin"});
}

TEST_CASE("fs: a put of unknown size and an overwrite") {
  Fixture f;
  ReadSource first = ReadSource::pattern(300'000, 1).size_unknown();
  REQUIRE(f.backend.put(f.uri("o"), first).ok());
  const InfoResult before = f.backend.stat(f.uri("o"));
  ReadSource second = ReadSource::of("short");
  REQUIRE(f.backend.put(f.uri("o"), second).ok());
  WriteSink sink;
  REQUIRE(f.backend.get(f.uri("o"), sink).ok());
  CHECK(sink.kept() == "short");
  CHECK(std::string(f.backend.stat(f.uri("o")).info.etag) != std::string(before.info.etag));
}

TEST_CASE("fs: a source shorter than announced fails and stores nothing") {
  Fixture f;
  ReadSource src = ReadSource::of("12345").announce(10);
  const InfoResult r = f.backend.put(f.uri("short"), src);
  CHECK(r.status == HODEI_ERR_IO);
  CHECK(f.backend.stat(f.uri("short")).status == HODEI_ERR_NOT_FOUND);
}

TEST_CASE("fs: range gets") {
  Fixture f;
  const uint64_t size = 1'000'003;
  ReadSource src = ReadSource::pattern(size, 42);
  REQUIRE(f.backend.put(f.uri("r.bin"), src).ok());

  struct Range {
    uint64_t offset, length, expected;
  };
  for (const Range r : {Range{0, 10, 10}, Range{100, 3 * 65536 + 5, 3 * 65536 + 5},
                        Range{size - 5, HODEI_SIZE_UNKNOWN, 5}, Range{size - 5, 1000, 5},
                        Range{size, HODEI_SIZE_UNKNOWN, 0}, Range{7, 0, 0}, Range{0, HODEI_SIZE_UNKNOWN, size}}) {
    INFO("offset " << r.offset << " length " << r.length);
    WriteSink sink;
    REQUIRE(f.backend.get(f.uri("r.bin"), sink, r.offset, r.length).ok());
    CHECK(sink.bytes() == r.expected);
    CHECK(sink.sha256() == pattern_sha256(42, r.offset, r.expected));
  }
  WriteSink past;
  const CallResult bad = f.backend.get(f.uri("r.bin"), past, size + 1);
  CHECK(bad.status == HODEI_ERR_INVALID_ARGUMENT);
  CHECK_THAT(bad.message, Catch::Contains("past the end"));
}

TEST_CASE("fs: missing objects") {
  Fixture f;
  WriteSink sink;
  CHECK(f.backend.get(f.uri("nope"), sink).status == HODEI_ERR_NOT_FOUND);
  CHECK(f.backend.stat(f.uri("no/such/dir/x")).status == HODEI_ERR_NOT_FOUND);
  CHECK(f.backend.remove(f.uri("nope")).ok());
  CHECK(f.backend.remove(f.uri("no/such/dir/x")).ok());
  f.put_text("here", "x");
  CHECK(f.backend.remove(f.uri("here")).ok());
  CHECK(f.backend.stat(f.uri("here")).status == HODEI_ERR_NOT_FOUND);
}

TEST_CASE("fs: URIs that do not name an object are invalid") {
  Fixture f;
  for (const std::string &uri : {std::string("s3://bucket/key"), "file://host" + f.root + "/x", f.uri("dir/"),
                                 "file://" + f.root, f.uri("bad%zzescape")}) {
    INFO(uri);
    CHECK(f.backend.stat(uri).status == HODEI_ERR_INVALID_ARGUMENT);
  }
}

TEST_CASE("fs: paths outside the root are refused", "[security]") {
  const bool realpath_mode = GENERATE(false, true);
  INFO((realpath_mode ? "realpath fallback" : "openat2"));
  ScopedEnv mode("HODEI_ARTIFACT_FS_RESOLVE", realpath_mode ? std::optional<std::string>("realpath") : std::nullopt);
  Fixture f;
  const std::string outside = f.dir.path() + "/outside";
  fs::create_directories(outside);
  { std::ofstream(outside + "/secret.txt") << "secret"; }
  fs::create_directories(f.root + "/sub");
  fs::create_directory_symlink(outside, f.root + "/escape");         // absolute symlink out
  fs::create_directory_symlink("../../outside", f.root + "/sub/up"); // relative symlink out
  fs::create_symlink(outside + "/secret.txt", f.root + "/secret-link");
  fs::create_symlink("sub", f.root + "/inside-link"); // stays inside
  const std::vector<std::string> logs = f.host.logs();
  CHECK(std::any_of(logs.begin(), logs.end(), [&](const std::string &line) {
    return line.find(realpath_mode ? "realpath checks" : "openat2(RESOLVE_BENEATH)") != std::string::npos;
  }));

  for (const std::string &uri : {"file://" + f.root + "/../outside/secret.txt", std::string("file:///etc/passwd"),
                                 "file://" + f.root + "/sub/../../outside/secret.txt", f.uri("escape/secret.txt"),
                                 f.uri("sub/up/secret.txt"), f.uri("secret-link")}) {
    INFO(uri);
    WriteSink sink;
    const CallResult get = f.backend.get(uri, sink);
    CHECK(get.status == HODEI_ERR_PERMISSION_DENIED);
    CHECK(sink.bytes() == 0);
    CHECK(f.backend.stat(uri).status == HODEI_ERR_PERMISSION_DENIED);
    ReadSource src = ReadSource::of("overwritten");
    CHECK(f.backend.put(uri, src).status == HODEI_ERR_PERMISSION_DENIED);
    CHECK(f.backend.remove(uri).status == HODEI_ERR_PERMISSION_DENIED);
  }
  // Puts through escaping folders wrote nothing outside.
  CHECK(Fixture::entries(outside) == std::vector<std::string>{"secret.txt"});
  std::ifstream in(outside + "/secret.txt");
  CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == "secret");
  CHECK(f.backend.list("file:///etc/").status == HODEI_ERR_PERMISSION_DENIED);

  // ".." that stays inside and a symlink that stays inside are fine.
  f.put_text("sub/../inside.txt", "in");
  CHECK(f.backend.stat(f.uri("inside.txt")).ok());
  f.put_text("inside-link/x.txt", "via link");
  CHECK(fs::is_regular_file(f.root + "/sub/x.txt"));
}

TEST_CASE("fs: a checksum mismatch stores nothing and keeps the old object") {
  Fixture f;
  f.put_text("dir/o.txt", "old");
  ReadSource src = ReadSource::pattern(200'000, 3);
  const std::string wrong(64, 'a');
  const InfoResult r = f.backend.put(f.uri("dir/o.txt"), src, wrong.c_str());
  CHECK(r.status == HODEI_ERR_CHECKSUM_MISMATCH);
  CHECK_THAT(r.message, Catch::Contains(wrong) && Catch::Contains(src.sha256()));
  WriteSink sink;
  REQUIRE(f.backend.get(f.uri("dir/o.txt"), sink).ok());
  CHECK(sink.kept() == "old");
  ReadSource fresh = ReadSource::of("new");
  CHECK(f.backend.put(f.uri("dir/fresh.txt"), fresh, wrong.c_str()).status == HODEI_ERR_CHECKSUM_MISMATCH);
  CHECK(f.backend.stat(f.uri("dir/fresh.txt")).status == HODEI_ERR_NOT_FOUND);
  CHECK(Fixture::entries(f.root + "/dir") == std::vector<std::string>{"o.txt"}); // no temp file
  ReadSource upper = ReadSource::of("new");
  std::string upper_sha = upper.sha256();
  for (char &c : upper_sha) c = static_cast<char>(std::toupper(c));
  CHECK(f.backend.put(f.uri("dir/upper.txt"), upper, upper_sha.c_str()).ok()); // hex case does not matter
  ReadSource junk = ReadSource::of("x");
  CHECK(f.backend.put(f.uri("dir/j"), junk, "not-a-digest").status == HODEI_ERR_INVALID_ARGUMENT);
}

TEST_CASE("fs: cancel or a failing source mid-put leaves no temp file") {
  Fixture f;
  fs::create_directories(f.root + "/dir");
  SECTION("cancel") {
    CancelFlag cancel;
    ReadSource src = ReadSource::pattern(5'000'000, 9).at(1'000'000, [&] { cancel.cancel(); });
    const InfoResult r = f.backend.put(f.uri("dir/big.bin"), src, nullptr, cancel.token());
    CHECK(r.status == HODEI_ERR_CANCELLED);
    CHECK(src.delivered() < 2'000'000);
  }
  SECTION("source error") {
    ReadSource src = ReadSource::pattern(5'000'000, 9).fail_at(1'000'000, HODEI_ERR_IO);
    CHECK(f.backend.put(f.uri("dir/big.bin"), src).status == HODEI_ERR_IO);
  }
  CHECK(Fixture::entries(f.root + "/dir").empty());
}

TEST_CASE("fs: get stops when the destination refuses, or on cancel") {
  Fixture f;
  ReadSource src = ReadSource::pattern(3'000'000, 5);
  REQUIRE(f.backend.put(f.uri("g.bin"), src).ok());
  WriteSink refusing;
  refusing.fail_after(500'000, HODEI_ERR_RESOURCE_EXHAUSTED);
  CHECK(f.backend.get(f.uri("g.bin"), refusing).status == HODEI_ERR_RESOURCE_EXHAUSTED);
  CHECK(refusing.bytes() < 1'000'000);
  CancelFlag cancel;
  cancel.cancel();
  WriteSink sink;
  CHECK(f.backend.get(f.uri("g.bin"), sink, 0, HODEI_SIZE_UNKNOWN, cancel.token()).status == HODEI_ERR_CANCELLED);
}

TEST_CASE("fs: list walks the tree in lexical URI order") {
  Fixture f;
  for (const char *rel : {"a/b.txt", "a/c/d.txt", "a-b.txt", "ab.txt", "z.txt", "a/with space.txt"})
    f.put_text(rel, rel);
  { std::ofstream(f.root + "/a/.hodei-tmp-0123456789abcdef") << "unfinished put"; }
  fs::create_symlink("/etc/passwd", f.root + "/a/link");

  const ListResult all = f.backend.list("file://" + f.root + "/");
  REQUIRE(all.ok());
  CHECK(all.uris() == std::vector<std::string>{f.uri("a-b.txt"), f.uri("a/b.txt"), f.uri("a/c/d.txt"),
                                               f.uri("a/with%20space.txt"), f.uri("ab.txt"), f.uri("z.txt")});
  const ListResult a = f.backend.list(f.uri("a"));
  CHECK(a.uris() == std::vector<std::string>{f.uri("a-b.txt"), f.uri("a/b.txt"), f.uri("a/c/d.txt"),
                                             f.uri("a/with%20space.txt"), f.uri("ab.txt")});
  const ListResult inside = f.backend.list(f.uri("a/"));
  CHECK(inside.uris() == std::vector<std::string>{f.uri("a/b.txt"), f.uri("a/c/d.txt"), f.uri("a/with%20space.txt")});
  CHECK(f.backend.list(f.uri("a/c/d")).uris() == std::vector<std::string>{f.uri("a/c/d.txt")});
  CHECK(f.backend.list(f.uri("nothing/here")).entries.empty());
  REQUIRE(!a.entries.empty());
  CHECK(a.entries[1].info.size == std::string("a/b.txt").size());
  CHECK(a.entries[1].info.modified_unix_ms > 0);

  // The callback stops it; listed URIs work for get.
  CHECK(f.backend.list(f.uri("a"), 2).entries.size() == 2);
  WriteSink sink;
  REQUIRE(f.backend.get(f.uri("a/with%20space.txt"), sink).ok());
  CHECK(sink.kept() == "a/with space.txt");
  // A prefix above the root lists the whole root.
  CHECK(f.backend.list("file://" + f.dir.path()).entries.size() == 6);
  CHECK(f.backend.list(f.uri("a/../x")).status == HODEI_ERR_INVALID_ARGUMENT);
}
