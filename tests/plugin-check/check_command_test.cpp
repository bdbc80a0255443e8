// `hodei-worker plugins check` end to end: the real binary against the bundled plugins, the broken test plugins of
// tests/plugin-host and two misbehaving plugins (abort in start, hang in wait).
#include "subprocess.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using hodei::test::run_process;
using namespace std::chrono_literals;

namespace {

const std::string worker = HODEI_BINARY_DIR "/bin/hodei-worker";

struct CheckRun {
  hodei::test::ProcessResult process;
  nlohmann::json report;
};

CheckRun check(std::vector<std::string> args, std::chrono::seconds limit = 240s) {
  std::vector<std::string> argv{worker, "plugins", "check", "--json"};
  argv.insert(argv.end(), args.begin(), args.end());
  CheckRun run;
  run.process = run_process(argv, limit);
  INFO("stderr: " << run.process.err);
  run.report = nlohmann::json::parse(run.process.out, nullptr, false);
  REQUIRE(run.report.is_object());
  return run;
}

const nlohmann::json &plugin_report(const CheckRun &run, const std::string &file) {
  for (const auto &p : run.report["plugins"]) {
    if (p["file"] == file) return p;
  }
  FAIL("no report for " << file);
  static const nlohmann::json none;
  return none;
}

const nlohmann::json &check_of(const nlohmann::json &plugin, const std::string &name) {
  for (const auto &c : plugin["checks"]) {
    if (c["name"] == name) return c;
  }
  FAIL("no check " << name << " in " << plugin.dump());
  static const nlohmann::json none;
  return none;
}

std::string summary(const nlohmann::json &plugin) {
  std::string s;
  for (const auto &c : plugin["checks"]) {
    s += c["status"].get<std::string>() + " " + c["name"].get<std::string>() + ": " + c["reason"].get<std::string>() +
         "\n";
  }
  return s;
}

// A private copy of a plugin (0644 in a 0755 folder), so the permission rule passes whatever the build's umask.
class PluginCopy {
public:
  explicit PluginCopy(const fs::path &original) {
    std::string pattern = (fs::temp_directory_path() / "hodei-check-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    dir_ = pattern;
    fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
    file_ = dir_ / original.filename();
    fs::copy_file(original, file_);
    fs::permissions(file_,
                    fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  }
  ~PluginCopy() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  PluginCopy(const PluginCopy &) = delete;
  PluginCopy &operator=(const PluginCopy &) = delete;
  [[nodiscard]] std::string file() const { return file_.string(); }

private:
  fs::path dir_;
  fs::path file_;
};

const std::string bundled_shell = HODEI_PLUGIN_DIR "/libhodei-executor-shell.so";

} // namespace

TEST_CASE("plugins check: the bundled shell executor passes every check", "[plugin-check]") {
  REQUIRE(fs::exists(bundled_shell));
  const PluginCopy copy(bundled_shell);
  const std::string shell_plugin = copy.file();
  const CheckRun run = check({shell_plugin});
  const nlohmann::json &p = plugin_report(run, shell_plugin);
  INFO(summary(p));
  CHECK(run.process.exit_code == 0);
  CHECK(p["passed"] == true);
  CHECK(p["plugin"]["id"] == "dev.hodei.executor.shell");
  for (const char *name :
       {"elf", "exports", "symbol-versions", "permissions", "load", "negotiate", "exec-output", "exec-failure",
        "exec-cancel", "exec-cancel-concurrent", "exec-destroy", "exec-bad-spec", "exec-backpressure"}) {
    CHECK(check_of(p, name)["status"] == "PASS");
  }
}

TEST_CASE("plugins check: text report, one line per check, exit 0", "[plugin-check]") {
  const PluginCopy copy(bundled_shell);
  const std::string shell_plugin = copy.file();
  const auto r = run_process({worker, "plugins", "check", "--timeout", "60", shell_plugin}, 240s);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("  PASS elf ") != std::string::npos);
  CHECK(r.out.find("  PASS exec-destroy ") != std::string::npos);
  CHECK(r.out.find("=> PASS") != std::string::npos);
  CHECK(r.out.find("0 failed") != std::string::npos);
}

TEST_CASE("plugins check: every bundled plugin", "[plugin-check]") {
  std::vector<std::string> files;
  for (const auto &entry : fs::directory_iterator(HODEI_PLUGIN_DIR)) {
    if (entry.path().extension() == ".so") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(!files.empty());
  for (const std::string &original : files) {
    const PluginCopy copy(original);
    const std::string file = copy.file();
    std::vector<std::string> args{file};
    if (file.find("docker") != std::string::npos) {
      const char *docker_host = std::getenv("DOCKER_HOST");
      const char *image = std::getenv("HODEI_TEST_DOCKER_IMAGE");
      if (docker_host == nullptr || image == nullptr || *image == '\0') {
        WARN("skipping " << file << ": set DOCKER_HOST and HODEI_TEST_DOCKER_IMAGE to check the docker executor");
        continue;
      }
      args = {"--executor-options", nlohmann::json{{"image", image}}.dump(), file};
    }
    if (file.find("artifact-s3") != std::string::npos) {
      // Against a real S3-compatible server when the artifact-s3 tests' variables name one (and a bucket that
      // exists); otherwise the artifact checks are skipped by the checker itself (no --base-uri).
      const char *endpoint = std::getenv("HODEI_TEST_S3_ENDPOINT");
      const char *access = std::getenv("HODEI_TEST_S3_ACCESS_KEY");
      const char *secret = std::getenv("HODEI_TEST_S3_SECRET_KEY");
      const char *bucket = std::getenv("HODEI_TEST_S3_BUCKET");
      if (endpoint != nullptr && access != nullptr && secret != nullptr && bucket != nullptr) {
        const char *region = std::getenv("HODEI_TEST_S3_REGION");
        const nlohmann::json config = {{"endpoint", endpoint},
                                       {"access_key", access},
                                       {"secret_key", secret},
                                       {"region", region != nullptr ? region : "us-east-1"}};
        args = {"--base-uri", std::string("s3://") + bucket + "/plugin-check/", "--config-json", config.dump(), file};
      } else {
        // Credentials that let init succeed (it contacts nobody); no --base-uri, so the artifact checks skip.
        WARN(
            "artifact-s3: no S3 server (HODEI_TEST_S3_ENDPOINT/_ACCESS_KEY/_SECRET_KEY/_BUCKET): artifact checks skip");
        const nlohmann::json config = {{"endpoint", "http://127.0.0.1:9"},
                                       {"access_key", "hodei-check"},
                                       {"secret_key", "hodei-check"},
                                       {"region", "us-east-1"}};
        args = {"--config-json", config.dump(), file};
      }
    }
    const CheckRun run = check(args);
    const nlohmann::json &p = plugin_report(run, file);
    WARN("plugins check " << file << ":\n" << summary(p));
    // No bundled plugin may crash the checker's child or hang; the load checks must pass for every one.
    CHECK(check_of(p, "load")["status"] == "PASS");
    CHECK(check_of(p, "negotiate")["status"] == "PASS");
    CHECK(check_of(p, "exports")["status"] == "PASS");
    for (const auto &c : p["checks"]) {
      INFO(c.dump());
      CHECK(c["reason"].get<std::string>().rfind("crashed", 0) != 0);
      CHECK(c["reason"].get<std::string>().rfind("timed out", 0) != 0);
    }
    if (original == bundled_shell || file.find("artifact-fs") != std::string::npos ||
        file.find("docker") != std::string::npos) {
      CHECK(p["passed"] == true);
      CHECK(run.process.exit_code == (p["passed"] == true ? 0 : 1));
    }
  }
}

TEST_CASE("plugins check: every broken test plugin fails with its reason", "[plugin-check]") {
  const std::string dir = HODEI_TEST_PLUGIN_DIR;
  struct Expectation {
    std::string file;
    std::string check;
    std::string reason;
  };
  const std::vector<Expectation> expected{
      {"libhodei_test_broken_entry-null.so", "load", "hodei_plugin_entry() returned NULL"},
      {"libhodei_test_broken_bad-magic.so", "load", "bad magic"},
      {"libhodei_test_broken_abi-major.so", "load", "plugin requires ABI 2.x"},
      {"libhodei_test_broken_abi-minor.so", "load", "upgrade hodei-worker"},
      {"libhodei_test_broken_truncated.so", "load", "truncated entry struct"},
      {"libhodei_test_broken_init-null.so", "load", "hodei_plugin.init is NULL"},
      {"libhodei_test_broken_descriptor-null.so", "load", "hodei_plugin.descriptor is NULL"},
      {"libhodei_test_broken_descriptor-small.so", "load", "invalid descriptor"},
      {"libhodei_test_broken_id-missing.so", "load", "invalid descriptor"},
      {"libhodei_test_broken_id-invalid.so", "load", "invalid descriptor"},
      {"libhodei_test_broken_name-missing.so", "load", "invalid descriptor"},
      {"libhodei_test_broken_version-invalid.so", "load", "invalid descriptor"},
      {"libhodei_test_broken_kinds-zero.so", "load", "invalid descriptor"},
      {"libhodei_test_broken_kinds-unknown.so", "load", "invalid descriptor"},
      {"libhodei_test_broken_backend-no-schemes.so", "load", "uri_schemes"},
      {"libhodei_test_broken_scheme-invalid.so", "load", "invalid descriptor"},
      {"libhodei_test_broken_cap-without-fn.so", "load", "is NULL"},
      {"libhodei_test_broken_interface-null.so", "load", "returned NULL"},
      {"libhodei_test_broken_table-small.so", "load", "truncated"},
      {"libhodei_test_broken_table-fn-null.so", "load", "is NULL, but it is required"},
      {"libhodei_test_broken_init-fails.so", "load", "config.socket: expected a string"},
      {"libhodei_test_throwing.so", "load", "boom: the constructor threw"},
      {"libhodei_test_unresolved.so", "load", "hodei_test_symbol_nobody_defines"},
      {"libhodei_test_not_a_plugin.so", "exports", "does not export the function hodei_plugin_entry"},
      {"libhodei_test_not_a_plugin.so", "load", "does not export the function hodei_plugin_entry"},
      {"libhodei_test_data_entry.so", "exports", "exported as data"},
      {"libhodei_test_data_entry.so", "load", "data symbol"},
  };
  std::vector<std::string> files;
  for (const Expectation &e : expected) {
    if (std::find(files.begin(), files.end(), dir + "/" + e.file) == files.end()) files.push_back(dir + "/" + e.file);
  }
  const CheckRun run = check(files);
  CHECK(run.process.exit_code == 1);
  CHECK(run.report["passed"] == false);
  for (const Expectation &e : expected) {
    const nlohmann::json &p = plugin_report(run, dir + "/" + e.file);
    INFO(e.file << "\n" << summary(p));
    CHECK(p["passed"] == false);
    const nlohmann::json &c = check_of(p, e.check);
    CHECK(c["status"] == "FAIL");
    CHECK_THAT(c["reason"].get<std::string>(), Catch::Contains(e.reason));
    if (e.check == "load") CHECK(check_of(p, "negotiate")["status"] == "SKIP");
  }
}

TEST_CASE("plugins check: a plugin that aborts in start is reported as crashed", "[plugin-check]") {
  const std::string file = HODEI_CHECK_TEST_PLUGIN_DIR "/libhodei_test_abort-in-start.so";
  const CheckRun run = check({file});
  const nlohmann::json &p = plugin_report(run, file);
  INFO(summary(p));
  CHECK(run.process.exit_code == 1);
  CHECK(check_of(p, "load")["status"] == "PASS");
  CHECK(check_of(p, "negotiate")["status"] == "PASS");
  for (const char *name : {"exec-output", "exec-failure", "exec-cancel", "exec-destroy", "exec-backpressure"}) {
    const nlohmann::json &c = check_of(p, name);
    CHECK(c["status"] == "FAIL");
    CHECK_THAT(c["reason"].get<std::string>(), Catch::StartsWith("crashed") && Catch::Contains("SIGABRT"));
  }
}

TEST_CASE("plugins check: a plugin that hangs in wait is reported as timed out", "[plugin-check]") {
  const std::string file = HODEI_CHECK_TEST_PLUGIN_DIR "/libhodei_test_hang-in-wait.so";
  const auto begin = std::chrono::steady_clock::now();
  const CheckRun run = check({"--timeout", "3", file});
  const nlohmann::json &p = plugin_report(run, file);
  INFO(summary(p));
  CHECK(run.process.exit_code == 1);
  CHECK(check_of(p, "load")["status"] == "PASS");
  for (const char *name : {"exec-output", "exec-cancel", "exec-backpressure"}) {
    const nlohmann::json &c = check_of(p, name);
    CHECK(c["status"] == "FAIL");
    CHECK_THAT(c["reason"].get<std::string>(), Catch::StartsWith("timed out"));
  }
  // 7 executor checks of at most 3 s each, plus the quick ones: bounded.
  CHECK(std::chrono::steady_clock::now() - begin < 60s);
}

TEST_CASE("plugins check: an executor that breaks run-time rules fails exactly those checks", "[plugin-check]") {
  const std::string file = HODEI_CHECK_TEST_PLUGIN_DIR "/libhodei_test_sloppy.so";
  const CheckRun run = check({"--timeout", "40", file});
  const nlohmann::json &p = plugin_report(run, file);
  INFO(summary(p));
  CHECK(run.process.exit_code == 1);
  const std::pair<const char *, const char *> failures[] = {
      {"exec-output", "stderr of step 1: line \"hodei-check-err-1\" missing"},
      {"exec-cancel", "escalation to force after grace_ms"},
      {"exec-destroy", "destroy of a running job took"},
      {"exec-bad-spec", "accepted options_json with the unknown field \"hodei_check_unknown_option\""},
  };
  for (const auto &[name, reason] : failures) {
    const nlohmann::json &c = check_of(p, name);
    CHECK(c["status"] == "FAIL");
    CHECK_THAT(c["reason"].get<std::string>(), Catch::Contains(reason));
  }
  for (const char *name : {"elf", "exports", "load", "negotiate", "exec-failure", "exec-cancel-concurrent"}) {
    CHECK(check_of(p, name)["status"] == "PASS");
  }
}

TEST_CASE("plugins check: usage errors", "[plugin-check]") {
  CHECK(run_process({worker, "plugins", "check"}).exit_code == 2);
  CHECK(run_process({worker, "plugins", "check", "/nonexistent/libx.so"}).exit_code == 2);
  CHECK(run_process({worker, "plugins", "check", "--executor-options", "[1]", bundled_shell}).exit_code == 2);
}
