// dev.hodei.artifact.s3 through its C ABI against a real S3 server (radosgw from scripts/services/s3.sh).
#include "backend_harness.hpp"
#include "s3_test_env.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

using namespace hodei::test;

namespace {

const std::string kPlugin = std::string(HODEI_PLUGIN_DIR) + "/libhodei-artifact-s3.so";
constexpr uint64_t kPart = 5ull << 20; // the smallest part size S3 allows, to keep multipart tests small

#define REQUIRE_S3_SERVER(var)                                                                                         \
  const std::optional<S3TestEnv> var##_found = s3_env_or_skip();                                                       \
  if (!var##_found) return;                                                                                            \
  const S3TestEnv &var = *var##_found /* NOLINT(bugprone-macro-parentheses): var is a declared name */

struct Plugin {
  FakeHost host;
  LoadedBackend backend;
  explicit Plugin(const std::string &config) : backend(kPlugin, config, host) {
    INFO(backend.init_result().message);
    REQUIRE(backend.init_result().ok());
  }
};

std::string small_parts() { return R"("part_size": 5242880)"; }

std::string file_sha256(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return sha256_hex(std::string(std::istreambuf_iterator<char>(in), {}));
}

} // namespace

TEST_CASE("s3: round trips keep every byte", "[s3][roundtrip]") {
  REQUIRE_S3_SERVER(env);
  TestBucket bucket(env, "roundtrip");
  Plugin p(plugin_config(env, small_parts()));
  for (const uint64_t size : std::initializer_list<uint64_t>{0ull, 1ull, kPart - 1, kPart, kPart + 1}) {
    INFO("size " << size);
    ReadSource src = ReadSource::pattern(size, size + 11).chunk(70'000);
    const std::string sha = src.sha256();
    const std::string uri = bucket.uri("dir/object-" + std::to_string(size));
    const InfoResult put = p.backend.put(uri, src, sha.c_str());
    INFO(put.message);
    REQUIRE(put.ok());
    CHECK(put.info.size == size);
    CHECK(std::string(put.info.sha256_hex) == sha);
    CHECK(!std::string(put.info.etag).empty());

    WriteSink sink;
    const CallResult get = p.backend.get(uri, sink);
    INFO(get.message);
    REQUIRE(get.ok());
    CHECK(sink.bytes() == size);
    CHECK(sink.sha256() == sha);
    for (size_t i = 0; i + 1 < sink.chunks().size(); ++i) CHECK(sink.chunks()[i] >= size_t{64} * 1024);

    const InfoResult st = p.backend.stat(uri);
    REQUIRE(st.ok());
    CHECK(st.info.size == size);
    CHECK(std::string(st.info.sha256_hex) == sha); // x-amz-meta-sha256
    CHECK(std::string(st.info.etag) == std::string(put.info.etag));
    CHECK(st.info.modified_unix_ms > 0);
  }
  CHECK(multipart_uploads(env, bucket.name()).empty());
}

TEST_CASE("s3: a 100 MB multipart round trip, streamed with bounded memory", "[s3][roundtrip][big]") {
  REQUIRE_S3_SERVER(env);
  TestBucket bucket(env, "big");
  Plugin p(plugin_config(env)); // default 8 MiB parts, 4 in parallel
  const uint64_t size = 100'000'000;
  ReadSource src = ReadSource::pattern(size, 100).size_unknown().chunk(1 << 20);
  const std::string sha = src.sha256();
  const InfoResult put = p.backend.put(bucket.uri("big.bin"), src, sha.c_str());
  INFO(put.message);
  REQUIRE(put.ok());
  CHECK(put.info.size == size);
  CHECK_THAT(std::string(put.info.etag), Catch::EndsWith("-12")); // 11 parts of 8 MiB and a last one

  WriteSink sink;
  REQUIRE(p.backend.get(bucket.uri("big.bin"), sink).ok());
  CHECK(sink.bytes() == size);
  CHECK(sink.sha256() == sha);
  const InfoResult st = p.backend.stat(bucket.uri("big.bin"));
  CHECK(st.info.size == size);
  CHECK(std::string(st.info.sha256_hex) == sha); // stored at CreateMultipartUpload from expected_sha256
  CHECK(multipart_uploads(env, bucket.name()).empty());
}

TEST_CASE("s3: range gets", "[s3]") {
  REQUIRE_S3_SERVER(env);
  TestBucket bucket(env, "range");
  Plugin p(plugin_config(env));
  const uint64_t size = 3'000'017;
  ReadSource src = ReadSource::pattern(size, 7);
  REQUIRE(p.backend.put(bucket.uri("r.bin"), src).ok());
  struct Range {
    uint64_t offset, length, expected;
  };
  for (const Range r : {Range{0, 1, 1}, Range{0, 10, 10}, Range{1'000'000, 1'500'000, 1'500'000},
                        Range{size - 3, HODEI_SIZE_UNKNOWN, 3}, Range{size - 3, 100, 3},
                        Range{size, HODEI_SIZE_UNKNOWN, 0}, Range{5, 0, 0}, Range{17, HODEI_SIZE_UNKNOWN, size - 17}}) {
    INFO("offset " << r.offset << " length " << r.length);
    WriteSink sink;
    const CallResult get = p.backend.get(bucket.uri("r.bin"), sink, r.offset, r.length);
    INFO(get.message);
    REQUIRE(get.ok());
    CHECK(sink.bytes() == r.expected);
    CHECK(sink.sha256() == pattern_sha256(7, r.offset, r.expected));
  }
  WriteSink past;
  const CallResult bad = p.backend.get(bucket.uri("r.bin"), past, size + 1);
  CHECK(bad.status == HODEI_ERR_INVALID_ARGUMENT);
  CHECK_THAT(bad.message, Catch::Contains("past the end"));

  ReadSource empty = ReadSource::of("");
  REQUIRE(p.backend.put(bucket.uri("empty"), empty).ok());
  WriteSink e1;
  CHECK(p.backend.get(bucket.uri("empty"), e1, 0, 10).ok());
  CHECK(e1.bytes() == 0);
  WriteSink e2;
  CHECK(p.backend.get(bucket.uri("empty"), e2, 1).status == HODEI_ERR_INVALID_ARGUMENT);
}

TEST_CASE("s3: a wrong secret is a clear auth error that does not show the secret", "[s3]") {
  REQUIRE_S3_SERVER(env);
  TestBucket bucket(env, "auth");
  S3TestEnv wrong = env;
  wrong.secret_key = "0123456789wrong-secret-abcdefghijklmnopq";
  Plugin p(plugin_config(wrong, R"("max_retries": 1)"));
  ReadSource src = ReadSource::of("data");
  const InfoResult put = p.backend.put(bucket.uri("k"), src);
  CHECK(put.status == HODEI_ERR_PERMISSION_DENIED);
  CHECK_THAT(put.message, Catch::Contains("SignatureDoesNotMatch") && Catch::Contains("s3://" + bucket.name() + "/k"));
  WriteSink sink;
  const CallResult get = p.backend.get(bucket.uri("k"), sink);
  CHECK(get.status == HODEI_ERR_PERMISSION_DENIED);
  CHECK_THAT(get.message, Catch::Contains("SignatureDoesNotMatch"));
  CHECK(p.backend.stat(bucket.uri("k")).status == HODEI_ERR_PERMISSION_DENIED);
  for (const std::string &m : {put.message, get.message}) CHECK(m.find(wrong.secret_key) == std::string::npos);
  for (const std::string &line : p.host.logs()) CHECK(line.find(wrong.secret_key) == std::string::npos);

  S3TestEnv unknown = env;
  unknown.access_key = "NOSUCHKEY0000000";
  Plugin q(plugin_config(unknown));
  CHECK(q.backend.list("s3://" + bucket.name() + "/").status == HODEI_ERR_PERMISSION_DENIED);
}

TEST_CASE("s3: missing bucket and missing key are NOT_FOUND", "[s3]") {
  REQUIRE_S3_SERVER(env);
  TestBucket bucket(env, "missing");
  Plugin p(plugin_config(env));
  const std::string no_bucket = "s3://" + bucket.name() + "-gone/key";
  WriteSink s1;
  const CallResult g1 = p.backend.get(no_bucket, s1);
  CHECK(g1.status == HODEI_ERR_NOT_FOUND);
  CHECK_THAT(g1.message, Catch::Contains("NoSuchBucket"));
  CHECK(p.backend.stat(no_bucket).status == HODEI_ERR_NOT_FOUND);
  ReadSource src = ReadSource::of("x");
  CHECK(p.backend.put(no_bucket, src).status == HODEI_ERR_NOT_FOUND);
  CHECK(p.backend.list("s3://" + bucket.name() + "-gone/").status == HODEI_ERR_NOT_FOUND);

  WriteSink s2;
  const CallResult g2 = p.backend.get(bucket.uri("no/such/key"), s2);
  CHECK(g2.status == HODEI_ERR_NOT_FOUND);
  CHECK_THAT(g2.message, Catch::Contains("NoSuchKey") && Catch::Contains(bucket.uri("no/such/key")));
  const InfoResult st = p.backend.stat(bucket.uri("no/such/key"));
  CHECK(st.status == HODEI_ERR_NOT_FOUND);
  CHECK_THAT(st.message, Catch::Contains(bucket.uri("no/such/key")));
  CHECK(p.backend.remove(bucket.uri("no/such/key")).ok());
}

TEST_CASE("s3: an object overwritten behind the worker's back is noticed", "[s3]") {
  REQUIRE_S3_SERVER(env);
  TestBucket bucket(env, "overwrite");
  TempDir dir;
  Plugin p(plugin_config(env));
  ReadSource src = ReadSource::pattern(100'000, 1);
  const std::string sha = src.sha256();
  const InfoResult put = p.backend.put(bucket.uri("o.bin"), src, sha.c_str());
  REQUIRE(put.ok());

  const std::string other = dir.path() + "/other.bin";
  std::ofstream(other, std::ios::binary) << pattern_bytes(2, 0, 100'000);
  REQUIRE(aws(env, {"s3", "cp", other, bucket.uri("o.bin")}).exit_code == 0);

  const InfoResult st = p.backend.stat(bucket.uri("o.bin"));
  REQUIRE(st.ok());
  CHECK(std::string(st.info.etag) != std::string(put.info.etag));
  CHECK(std::string(st.info.sha256_hex) != sha); // the CLI stored no x-amz-meta-sha256
  WriteSink sink;
  REQUIRE(p.backend.get(bucket.uri("o.bin"), sink).ok());
  CHECK(sink.sha256() != sha);
  CHECK(sink.sha256() == file_sha256(other));
}

TEST_CASE("s3: a wrong expected_sha256 stores nothing", "[s3]") {
  REQUIRE_S3_SERVER(env);
  TestBucket bucket(env, "checksum");
  Plugin p(plugin_config(env, small_parts()));
  const std::string wrong(64, 'b');
  for (const uint64_t size : std::initializer_list<uint64_t>{1000ull, 3 * kPart + 5}) {
    INFO("size " << size);
    ReadSource src = ReadSource::pattern(size, 3);
    const InfoResult r = p.backend.put(bucket.uri("c-" + std::to_string(size)), src, wrong.c_str());
    CHECK(r.status == HODEI_ERR_CHECKSUM_MISMATCH);
    CHECK_THAT(r.message, Catch::Contains(wrong) && Catch::Contains(src.sha256()));
    CHECK(p.backend.stat(bucket.uri("c-" + std::to_string(size))).status == HODEI_ERR_NOT_FOUND);
  }
  CHECK(multipart_uploads(env, bucket.name()).empty());
  ReadSource junk = ReadSource::of("x");
  CHECK(p.backend.put(bucket.uri("j"), junk, "xyz").status == HODEI_ERR_INVALID_ARGUMENT);
}

TEST_CASE("s3: cancel mid-upload aborts the multipart upload", "[s3]") {
  REQUIRE_S3_SERVER(env);
  TestBucket bucket(env, "cancel");
  Plugin p(plugin_config(env, small_parts()));
  CancelFlag cancel;
  ReadSource src = ReadSource::pattern(60ull << 20, 4).at(17ull << 20, [&] { cancel.cancel(); });
  const auto started = std::chrono::steady_clock::now();
  const InfoResult r = p.backend.put(bucket.uri("cancelled.bin"), src, nullptr, cancel.token());
  CHECK(r.status == HODEI_ERR_CANCELLED);
  CHECK(src.delivered() < (30ull << 20));
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(30));
  CHECK(multipart_uploads(env, bucket.name()).empty());
  CHECK(p.backend.stat(bucket.uri("cancelled.bin")).status == HODEI_ERR_NOT_FOUND);

  // A source failing mid-stream aborts the same way.
  ReadSource failing = ReadSource::pattern(30ull << 20, 4).fail_at(12ull << 20, HODEI_ERR_IO);
  CHECK(p.backend.put(bucket.uri("failed.bin"), failing).status == HODEI_ERR_IO);
  CHECK(multipart_uploads(env, bucket.name()).empty());
}

TEST_CASE("s3: a refusing destination stops a get", "[s3]") {
  REQUIRE_S3_SERVER(env);
  TestBucket bucket(env, "sink");
  Plugin p(plugin_config(env));
  ReadSource src = ReadSource::pattern(20'000'000, 8);
  REQUIRE(p.backend.put(bucket.uri("g.bin"), src).ok());
  WriteSink refusing;
  refusing.fail_after(1'000'000, HODEI_ERR_RESOURCE_EXHAUSTED);
  CHECK(p.backend.get(bucket.uri("g.bin"), refusing).status == HODEI_ERR_RESOURCE_EXHAUSTED);
  CHECK(refusing.bytes() < 5'000'000);
  CancelFlag cancel;
  cancel.cancel();
  WriteSink sink;
  CHECK(p.backend.get(bucket.uri("g.bin"), sink, 0, HODEI_SIZE_UNKNOWN, cancel.token()).status == HODEI_ERR_CANCELLED);
}

TEST_CASE("s3: keys with special characters, list with pages, remove", "[s3]") {
  REQUIRE_S3_SERVER(env);
  TestBucket bucket(env, "list");
  Plugin p(plugin_config(env, R"("list_page_size": 2)"));
  const std::vector<std::string> keys = {"a/b.txt", "a/c/d.txt",   "a-b.txt",
                                         "ab.txt",  "z.txt",       "a/sp ace+plus=eq&amp\xC3\xBC.txt",
                                         "a/x//y",  "a/./dot/../z"};
  for (const std::string &key : keys) {
    ReadSource src = ReadSource::of(key);
    const InfoResult r = p.backend.put(bucket.uri(key), src);
    INFO(key << ": " << r.message);
    REQUIRE(r.ok());
    WriteSink sink;
    REQUIRE(p.backend.get(bucket.uri(key), sink).ok());
    CHECK(sink.kept() == key);
  }
  const ListResult all = p.backend.list("s3://" + bucket.name());
  INFO(all.message);
  REQUIRE(all.ok());
  std::vector<std::string> expected;
  expected.reserve(keys.size());
  for (const std::string &key : keys) expected.push_back(bucket.uri(key));
  std::sort(expected.begin(), expected.end());
  CHECK(all.uris() == expected);
  CHECK(all.entries[0].info.size == all.entries[0].uri.size() - bucket.uri("").size());
  CHECK(all.entries[0].info.modified_unix_ms > 0);

  const ListResult a = p.backend.list(bucket.uri("a/"));
  CHECK(a.uris().size() == 5);
  CHECK(p.backend.list(bucket.uri("a"), 3).entries.size() == 3);
  CHECK(p.backend.list(bucket.uri("nothing")).entries.empty());

  CHECK(p.backend.remove(bucket.uri("a/b.txt")).ok());
  CHECK(p.backend.stat(bucket.uri("a/b.txt")).status == HODEI_ERR_NOT_FOUND);
  CHECK(p.backend.remove(bucket.uri("a/b.txt")).ok());
}

TEST_CASE("s3: interop with the AWS CLI both ways", "[s3][interop]") {
  REQUIRE_S3_SERVER(env);
  TestBucket bucket(env, "interop");
  TempDir dir;
  Plugin p(plugin_config(env, small_parts()));
  for (const uint64_t size : std::initializer_list<uint64_t>{12'345ull, 2 * kPart + 77}) {
    INFO("size " << size);
    ReadSource src = ReadSource::pattern(size, 21);
    const std::string sha = src.sha256();
    REQUIRE(p.backend.put(bucket.uri("by-plugin"), src).ok());
    const std::string local = dir.path() + "/from-s3.bin";
    const ProcessResult cp = aws(env, {"s3", "cp", bucket.uri("by-plugin"), local});
    INFO(cp.err);
    REQUIRE(cp.exit_code == 0);
    CHECK(file_sha256(local) == sha);

    const std::string upload = dir.path() + "/to-s3.bin";
    std::ofstream(upload, std::ios::binary) << pattern_bytes(size + 1, 0, size);
    REQUIRE(aws(env, {"s3", "cp", upload, bucket.uri("by-cli")}).exit_code == 0);
    WriteSink sink;
    REQUIRE(p.backend.get(bucket.uri("by-cli"), sink).ok());
    CHECK(sink.sha256() == file_sha256(upload));
    CHECK(p.backend.stat(bucket.uri("by-cli")).info.size == size);
  }
}

TEST_CASE("s3: credentials from the environment and the shared credentials file", "[s3]") {
  REQUIRE_S3_SERVER(env);
  TestBucket bucket(env, "creds");
  const std::string config = R"({"endpoint": ")" + env.endpoint + R"(", "region": ")" + env.region + R"("})";
  SECTION("environment") {
    ScopedEnv id("AWS_ACCESS_KEY_ID", env.access_key);
    ScopedEnv secret("AWS_SECRET_ACCESS_KEY", env.secret_key);
    ScopedEnv token("AWS_SESSION_TOKEN", std::nullopt);
    Plugin p(config);
    ReadSource src = ReadSource::of("env");
    CHECK(p.backend.put(bucket.uri("env"), src).ok());
  }
  SECTION("shared credentials file, AWS_PROFILE") {
    TempDir dir;
    std::ofstream(dir.path() + "/credentials")
        << "[default]\naws_access_key_id = WRONG\naws_secret_access_key = wrong\n[hodei]\naws_access_key_id = "
        << env.access_key << "\naws_secret_access_key = " << env.secret_key << "\n";
    ScopedEnv id("AWS_ACCESS_KEY_ID", std::nullopt);
    ScopedEnv secret("AWS_SECRET_ACCESS_KEY", std::nullopt);
    ScopedEnv file("AWS_SHARED_CREDENTIALS_FILE", dir.path() + "/credentials");
    ScopedEnv profile("AWS_PROFILE", "hodei");
    Plugin p(config);
    ReadSource src = ReadSource::of("file");
    CHECK(p.backend.put(bucket.uri("file"), src).ok());
  }
  SECTION("nothing anywhere: init succeeds, every call fails saying where it looked") {
    TempDir home;
    ScopedEnv id("AWS_ACCESS_KEY_ID", std::nullopt);
    ScopedEnv secret("AWS_SECRET_ACCESS_KEY", std::nullopt);
    ScopedEnv file("AWS_SHARED_CREDENTIALS_FILE", std::nullopt);
    ScopedEnv profile("AWS_PROFILE", std::nullopt);
    ScopedEnv h("HOME", home.path());
    FakeHost host;
    LoadedBackend b(kPlugin, config, host);
    REQUIRE(b.init_result().status == HODEI_OK); // a worker that never touches s3:// must not refuse the plugin
    const InfoResult r = b.stat(bucket.uri("anything"));
    CHECK(r.status == HODEI_ERR_PERMISSION_DENIED);
    CHECK_THAT(r.message, Catch::Contains("credentials: none found") && Catch::Contains("AWS_ACCESS_KEY_ID"));
  }
}
