// The S3 server gone mid-upload (a TCP proxy in front of the shared radosgw refuses connections and resets the
// open ones: the real server must stay up for the other suites): the upload retries, then fails clearly, and
// nothing partial stays behind (no object, no pending multipart upload). Back within the retry budget: it completes.
#include "agent_fixture.hpp"
#include "fault_helpers.hpp"
#include "logged_process.hpp"
#include "s3_test_env.hpp"
#include "subprocess.hpp"
#include "tcp_proxy.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

using namespace hodei::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kPart = 5ull << 20;
constexpr uint64_t kObjectSize = 12ull << 20; // three parts of a multipart upload

int port_of(const std::string &endpoint) { return std::stoi(endpoint.substr(endpoint.rfind(':') + 1)); }

// The test env's plugin config with `overrides` (a JSON object's members) on top, one part in flight at a time.
std::string plugin_config_with(const S3TestEnv &env, const std::string &overrides) {
  nlohmann::json config = nlohmann::json::parse(plugin_config(env));
  config.update(nlohmann::json::parse("{" + overrides + "}"));
  config["part_size"] = kPart;
  config["max_parallel_parts"] = 1;
  return config.dump();
}

// A folder with the object to upload and a worker config whose S3 endpoint is the proxy.
struct Upload {
  TempDir dir;
  fs::path file;
  fs::path config;
  std::string content;

  Upload(const S3TestEnv &env, const TcpProxy &proxy, const std::string &retry_config) {
    file = dir.path() / "object.bin";
    content.reserve(kObjectSize);
    for (uint64_t i = 0; content.size() < kObjectSize; ++i) content += std::to_string(i * 2654435761u) + '\n';
    content.resize(kObjectSize);
    std::ofstream(file, std::ios::binary) << content;
    S3TestEnv through_proxy = env;
    through_proxy.endpoint = "http://" + proxy.address();
    config = dir.path() / "worker.json";
    std::ofstream(config) << R"({ "worker": { "data_dir": ")" << (dir.path() / "data").string()
                          << R"(" }, "plugins": { "config": { "dev.hodei.artifact.s3": )"
                          << plugin_config_with(through_proxy, retry_config) << " } } }";
  }

  [[nodiscard]] std::vector<std::string> put_argv(const std::string &uri) const {
    return {HODEI_BINARY_DIR "/bin/hodei-worker",
            "--config",
            config.string(),
            "--plugin-dir",
            HODEI_PLUGIN_DIR,
            "artifacts",
            "put",
            file.string(),
            uri};
  }
};

// Waits until the proxy stalled mid-upload; fails with the upload's output when it never does.
void wait_stalled(const TcpProxy &proxy, BackgroundProcess &put) {
  if (eventually([&] { return proxy.stalled(); }, 30s)) return;
  const ProcessResult r = put.wait(5s);
  FAIL("the upload never got " << kPart << " bytes through the proxy (" << proxy.bytes_up() << "): " << r.out << r.err);
}

bool object_exists(const S3TestEnv &env, const std::string &bucket, const std::string &key) {
  return aws(env, {"s3api", "head-object", "--bucket", bucket, "--key", key}).exit_code == 0;
}

} // namespace

TEST_CASE("an S3 server gone mid-upload: retries then a clear failure and no part left behind", "[faults][s3]") {
  const std::optional<S3TestEnv> env = s3_env_or_skip();
  if (!env) return;
  const TestBucket bucket(*env, "faults");
  TcpProxy proxy(port_of(env->endpoint));
  // A short retry budget (3 retries, ≤ 400 ms apart) keeps the test short; the abort keeps trying for 30 s.
  const Upload upload(*env, proxy,
                      R"("max_retries": 3, "retry_base_delay_ms": 100, "retry_max_delay_ms": 400,
                         "connect_timeout_ms": 2000, "idle_timeout_s": 5, "abort_retry_window_ms": 30000)");
  proxy.stall_after(kPart + kPart / 5); // the create, part 1 and a fifth of part 2 go through
  BackgroundProcess put(upload.put_argv(bucket.uri("gone/object.bin")));
  wait_stalled(proxy, put);
  proxy.refuse(); // S3 "stopped": connections refused, the open ones reset
  proxy.cut();
  // The upload gives up and its abort cannot reach S3 either: it keeps trying; S3 comes back meanwhile.
  REQUIRE(put.wait_for_output("is not aborted yet", 30s));
  proxy.resume();
  const ProcessResult r = put.wait(40s);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 3);
  CHECK(count_of(r.err, "; retry ") >= 3); // the part was retried
  // A clear failure naming the bucket and key.
  CHECK(r.err.find("hodei-worker: error: dev.hodei.artifact.s3: put " + bucket.uri("gone/object.bin") +
                   " failed with HODEI_ERR_UNAVAILABLE") != std::string::npos);
  CHECK(r.err.find("could not abort") == std::string::npos);
  CHECK_FALSE(object_exists(*env, bucket.name(), "gone/object.bin"));
  CHECK(multipart_uploads(*env, bucket.name()).empty());
}

TEST_CASE("an S3 server back within the retry budget: the upload completes", "[faults][s3]") {
  const std::optional<S3TestEnv> env = s3_env_or_skip();
  if (!env) return;
  const TestBucket bucket(*env, "faults");
  TcpProxy proxy(port_of(env->endpoint));
  // 8 retries from 200 ms up to 2 s apart: about 10 s of patience.
  const Upload upload(*env, proxy, R"("max_retries": 8, "retry_base_delay_ms": 200, "retry_max_delay_ms": 2000,
                                      "connect_timeout_ms": 2000, "idle_timeout_s": 5)");
  proxy.stall_after(kPart + kPart / 5);
  BackgroundProcess put(upload.put_argv(bucket.uri("back/object.bin")));
  wait_stalled(proxy, put);
  proxy.refuse();
  proxy.cut();
  REQUIRE(put.wait_for_output("; retry ", 30s));
  proxy.resume();
  const ProcessResult r = put.wait(40s);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find(sha256_hex(upload.content)) != std::string::npos);
  const fs::path back = upload.dir.path() / "back.bin";
  REQUIRE(aws(*env, {"s3", "cp", bucket.uri("back/object.bin"), back.string()}).exit_code == 0);
  CHECK(sha256_hex(read_file(back)) == sha256_hex(upload.content));
  CHECK(multipart_uploads(*env, bucket.name()).empty());
}
