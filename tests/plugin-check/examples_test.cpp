// The plugin developer kit end to end: install the plugin-api `dev` component into a temporary prefix, build
// examples/custom-executor (C++ SDK) and examples/c-executor (C99) against THAT prefix (not the source tree), check
// both with `hodei-worker plugins check`, and run a job through each with `hodei-worker --plugin-dir DIR run`.
#include "subprocess.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using hodei::test::ProcessResult;
using hodei::test::run_process;
using namespace std::chrono_literals;

namespace {

const std::string worker = HODEI_BINARY_DIR "/bin/hodei-worker";

struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "hodei-pdk-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
    fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

ProcessResult must_run(const std::vector<std::string> &argv, std::chrono::seconds limit = 300s) {
  ProcessResult r = run_process(argv, limit);
  std::string cmd;
  for (const std::string &a : argv) cmd += a + " ";
  INFO(cmd << "\nstdout:\n" << r.out << "\nstderr:\n" << r.err);
  REQUIRE(r.exit_code == 0);
  return r;
}

fs::path build_example(const std::string &name, const fs::path &prefix, const fs::path &build_dir,
                       const std::string &output) {
  const std::string warnings = "-Wall -Wextra -Wpedantic -Werror";
  must_run({HODEI_CMAKE_COMMAND, "-S", std::string(HODEI_SOURCE_DIR) + "/examples/" + name, "-B", build_dir.string(),
            "-G", HODEI_CMAKE_GENERATOR, "-DCMAKE_BUILD_TYPE=Debug", "-DCMAKE_PREFIX_PATH=" + prefix.string(),
            "-DCMAKE_C_COMPILER=" HODEI_C_COMPILER, "-DCMAKE_CXX_COMPILER=" HODEI_CXX_COMPILER,
            "-DCMAKE_C_FLAGS=" + warnings, "-DCMAKE_CXX_FLAGS=" + warnings});
  must_run({HODEI_CMAKE_COMMAND, "--build", build_dir.string(), "--", "-j2"});
  fs::path plugin = build_dir / output;
  REQUIRE(fs::exists(plugin));
  return plugin;
}

void write_file(const fs::path &file, const std::string &text) {
  std::ofstream out(file);
  out << text;
}

} // namespace

TEST_CASE("examples: out-of-tree plugins build against the installed package, pass plugins check and run jobs",
          "[plugin-check][examples]") {
  TempDir tmp;
  const fs::path prefix = tmp.path / "prefix";
  must_run({HODEI_CMAKE_COMMAND, "--install", HODEI_BINARY_DIR, "--component", "dev", "--prefix", prefix.string()});
  REQUIRE(fs::exists(prefix / "include/hodei/plugin_api.h"));

  const fs::path cpp = build_example("custom-executor", prefix, tmp.path / "build-cpp", "libexample-timestamped.so");
  const fs::path c = build_example("c-executor", prefix, tmp.path / "build-c", "libexample-c-shell.so");

  for (const fs::path &plugin : {cpp, c}) {
    const ProcessResult r = run_process({worker, "plugins", "check", plugin.string()}, 300s);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("FAIL") == std::string::npos);
  }

  // The plugins in a folder of their own, as an operator would install them.
  const fs::path plugins = tmp.path / "plugins";
  fs::create_directory(plugins);
  fs::permissions(plugins, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
  for (const fs::path &plugin : {cpp, c}) {
    fs::copy_file(plugin, plugins / plugin.filename());
    fs::permissions(plugins / plugin.filename(),
                    fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  }
  const ProcessResult list = must_run({worker, "--plugin-dir", plugins.string(), "plugins", "list"});
  CHECK(list.out.find("dev.example.executor.timestamped") != std::string::npos);
  CHECK(list.out.find("dev.example.executor.c-shell") != std::string::npos);

  { // a job through the timestamped executor
    write_file(tmp.path / "job.json", R"({
      "name": "pdk-example",
      "executor": "timestamped",
      "timestamped": { "clock": "utc" },
      "env": { "WHO": "plugin developer" },
      "steps": [
        { "name": "hello", "run": "echo \"hello, $WHO\"; echo 'to stderr' >&2" },
        { "name": "bye", "run": "echo bye" }
      ]
    })");
    const ProcessResult r =
        must_run({worker, "--plugin-dir", plugins.string(), "run", "--no-color", (tmp.path / "job.json").string()});
    const std::string all = r.out + r.err;
    CHECK(std::regex_search(all, std::regex(R"(\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] hello, plugin developer)")));
    CHECK(std::regex_search(all, std::regex(R"(\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] bye)")));
  }
  { // a failing job through the C executor
    write_file(tmp.path / "job.json", R"({
      "name": "pdk-example-c",
      "executor": "c-shell",
      "steps": [ { "name": "fail", "run": "echo from-c-executor; exit 3" } ]
    })");
    const ProcessResult r = run_process(
        {worker, "--plugin-dir", plugins.string(), "run", "--no-color", (tmp.path / "job.json").string()}, 120s);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK((r.out + r.err).find("from-c-executor") != std::string::npos);
  }
}
