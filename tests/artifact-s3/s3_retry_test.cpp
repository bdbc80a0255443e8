// Retries against a local stub that answers 503 SlowDown or drops every connection: retried with backoff, then a
// clear UNAVAILABLE. Needs only python3, no S3 server.
#include "backend_harness.hpp"
#include "subprocess.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

using namespace hodei::test;

namespace {

const std::string kPlugin = std::string(HODEI_PLUGIN_DIR) + "/libhodei-artifact-s3.so";
const std::string kStub = std::string(HODEI_SOURCE_DIR) + "/tests/artifact-s3/stub_server.py";

std::string read_file(const std::string &path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

size_t count_lines(const std::string &path) {
  const std::string text = read_file(path);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

struct Stub {
  TempDir dir{"hodei-s3-stub"};
  std::string port_file = dir.path() + "/port";
  std::string log_file = dir.path() + "/requests";
  BackgroundProcess process;
  std::string endpoint;

  explicit Stub(const std::string &mode) : process({"python3", kStub, mode, port_file, log_file}) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (read_file(port_file).empty()) {
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    endpoint = "http://127.0.0.1:" + read_file(port_file);
  }
};

std::string config(const std::string &endpoint) {
  return R"({"endpoint": ")" + endpoint +
         R"(", "access_key": "AK", "secret_key": "never-shown-secret", "max_retries": 3,
             "retry_base_delay_ms": 20, "retry_max_delay_ms": 100, "connect_timeout_ms": 2000})";
}

} // namespace

TEST_CASE("s3: the descriptor names the plugin, its scheme, LIST and a JSON config schema", "[s3]") {
  FakeHost host;
  LoadedBackend b(kPlugin, config("http://127.0.0.1:1"), host);
  REQUIRE(b.init_result().ok());
  const hodei_plugin_descriptor &d = b.descriptor();
  CHECK(std::string(d.id) == "dev.hodei.artifact.s3");
  CHECK(d.kinds == HODEI_KIND_ARTIFACT_BACKEND);
  CHECK(d.capabilities == HODEI_CAP_ARTIFACT_LIST);
  REQUIRE(d.uri_schemes != nullptr);
  CHECK(std::string(d.uri_schemes[0]) == "s3");
  CHECK(d.uri_schemes[1] == nullptr);
  REQUIRE(d.config_schema_json != nullptr);
  const nlohmann::json schema = nlohmann::json::parse(d.config_schema_json);
  CHECK(schema["properties"].contains("part_size"));
  CHECK(schema["additionalProperties"] == false);

  LoadedBackend bad(kPlugin, R"({"endpoint": "http://h", "access_key": "a", "secret_key": "s", "part_size": 1})", host);
  CHECK(bad.init_result().status == HODEI_ERR_INVALID_ARGUMENT);
  CHECK_THAT(bad.init_result().message, Catch::StartsWith("config.part_size"));
}

TEST_CASE("s3 retries: 503 SlowDown is retried, then UNAVAILABLE", "[s3][retry]") {
  Stub stub("503");
  FakeHost host;
  LoadedBackend b(kPlugin, config(stub.endpoint), host);
  REQUIRE(b.init_result().ok());

  WriteSink sink;
  const auto started = std::chrono::steady_clock::now();
  const CallResult get = b.get("s3://bucket/key", sink);
  CHECK(get.status == HODEI_ERR_UNAVAILABLE);
  CHECK_THAT(get.message, Catch::Contains("HTTP 503 SlowDown") && Catch::Contains("s3://bucket/key") &&
                              Catch::Contains("after 4 attempts"));
  CHECK(get.message.find("never-shown-secret") == std::string::npos);
  CHECK(sink.bytes() == 0); // the error body never reaches the destination
  CHECK(count_lines(stub.log_file) == 4);
  CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(3 * 10));

  const InfoResult st = b.stat("s3://bucket/key");
  CHECK(st.status == HODEI_ERR_UNAVAILABLE);
  CHECK(count_lines(stub.log_file) == 8);
  ReadSource src = ReadSource::of("data");
  CHECK(b.put("s3://bucket/key", src).status == HODEI_ERR_UNAVAILABLE);
  CHECK(count_lines(stub.log_file) == 12);
  // Each retry was logged as a warning.
  size_t warnings = 0;
  for (const std::string &line : host.logs()) warnings += line.find("retry") != std::string::npos ? 1 : 0;
  CHECK(warnings == 9);
}

TEST_CASE("s3 retries: dropped connections are retried, then UNAVAILABLE", "[s3][retry]") {
  Stub stub("close");
  FakeHost host;
  LoadedBackend b(kPlugin, config(stub.endpoint), host);
  REQUIRE(b.init_result().ok());
  const InfoResult st = b.stat("s3://bucket/key");
  CHECK(st.status == HODEI_ERR_UNAVAILABLE);
  CHECK_THAT(st.message, Catch::Contains("no answer from " + stub.endpoint) && Catch::Contains("after 4 attempts"));
  CHECK(count_lines(stub.log_file) == 4);
}

TEST_CASE("s3 retries: a port nobody listens on, and cancel during backoff", "[s3][retry]") {
  FakeHost host;
  LoadedBackend b(kPlugin, config("http://127.0.0.1:1"), host);
  REQUIRE(b.init_result().ok());
  const InfoResult st = b.stat("s3://bucket/key");
  CHECK(st.status == HODEI_ERR_UNAVAILABLE);
  CHECK_THAT(st.message, Catch::Contains("curl error 7"));

  LoadedBackend slow(kPlugin,
                     R"({"endpoint": "http://127.0.0.1:1", "access_key": "AK", "secret_key": "S", "max_retries": 50,
                         "retry_base_delay_ms": 2000, "retry_max_delay_ms": 2000})",
                     host);
  REQUIRE(slow.init_result().ok());
  CancelFlag cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancel.cancel();
  });
  WriteSink sink;
  const auto started = std::chrono::steady_clock::now();
  const CallResult get = slow.get("s3://bucket/key", sink, 0, HODEI_SIZE_UNKNOWN, cancel.token());
  canceller.join();
  CHECK(get.status == HODEI_ERR_CANCELLED);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
}

TEST_CASE("s3 retries: a GET broken off halfway resumes where it stopped, with If-Match", "[s3][retry]") {
  Stub stub("flaky");
  FakeHost host;
  LoadedBackend b(kPlugin, config(stub.endpoint), host);
  REQUIRE(b.init_result().ok());
  std::string expected(1 << 20, '\0');
  for (size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<char>(i % 251);

  WriteSink sink;
  sink.keep_up_to(2 << 20);
  const CallResult get = b.get("s3://bucket/key", sink);
  INFO(get.message);
  REQUIRE(get.ok());
  CHECK(sink.bytes() == expected.size());
  CHECK(sink.kept() == expected);
  const std::string log = read_file(stub.log_file);
  CHECK_THAT(log,
             Catch::Contains("range=None if-match=None") && Catch::Contains("range=bytes=524288- if-match=\"v1\""));
}

TEST_CASE("s3 retries: an object that changed meanwhile is not spliced", "[s3][retry]") {
  Stub stub("flaky-changed");
  FakeHost host;
  LoadedBackend b(kPlugin, config(stub.endpoint), host);
  REQUIRE(b.init_result().ok());
  WriteSink sink;
  const CallResult get = b.get("s3://bucket/key", sink, 1000, 600'000);
  CHECK(get.status == HODEI_ERR_IO);
  CHECK_THAT(get.message, Catch::Contains("HTTP 412") && Catch::Contains("changed"));
  CHECK_THAT(read_file(stub.log_file), Catch::Contains("range=bytes=301000-600999 if-match=\"v1\""));
}
