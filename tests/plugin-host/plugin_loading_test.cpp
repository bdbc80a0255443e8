// Loading good plugins: what the registry reports, name lookup, configs, host services, and lifetimes.
#include "plugin_registry.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>
#include <hodei/plugin_api.h>

using namespace hodei::plugins;
using Catch::Matchers::Contains;
using hodei::test::CollectingReceiver;
using hodei::test::LogCapture;
using hodei::test::TempPluginDir;

namespace {
void add_good_plugins(const TempPluginDir &dir) {
  dir.add("libhodei_test_c.so");
  dir.add("libhodei_test_good.so");
  dir.add("libhodei_test_memstore.so");
  if (HODEI_HAVE_CLANG_PLUGIN) dir.add("libhodei_test_clang.so");
}
} // namespace

TEST_CASE("good C, C++ SDK and clang-built plugins in one folder all load, in file-name order", "[loading]") {
  const TempPluginDir dir;
  add_good_plugins(dir);
  const PluginRegistry registry(hodei::test::options_for(dir.path()));
  CHECK(registry.refusals().empty());
  std::vector<std::string> expected = {"dev.hodei.test.c", "dev.hodei.test.good", "dev.hodei.test.memstore"};
  if (HODEI_HAVE_CLANG_PLUGIN) expected.insert(expected.begin() + 1, "dev.hodei.test.clang"); // libhodei_test_c. < _cl
  CHECK(hodei::test::loaded_ids(registry) == expected);
}

TEST_CASE("a loaded plugin's info mirrors its descriptor, file and declared ABI", "[loading]") {
  TempPluginDir dir;
  const auto file = dir.add("libhodei_test_good.so");
  dir.add("libhodei_test_memstore.so");
  const PluginRegistry registry(hodei::test::options_for(dir.path()));
  const auto infos = registry.plugins();
  REQUIRE(infos.size() == 2);
  const PluginInfo &good = infos[0];
  CHECK(good.id == "dev.hodei.test.good");
  CHECK(good.short_name == "good");
  CHECK(good.name == "Good test executor");
  CHECK(good.version == "2.1.0-rc.1+build.5");
  CHECK(good.description == "echoes its steps");
  CHECK(good.file == file.string());
  CHECK(good.kinds == HODEI_KIND_EXECUTOR);
  CHECK(good.capabilities == HODEI_CAP_EXECUTOR_FINGERPRINT);
  CHECK(good.abi_major == 1);
  CHECK(good.abi_minor == 0);
  CHECK(good.uri_schemes.empty());
  const PluginInfo &store = infos[1];
  CHECK(store.kinds == HODEI_KIND_ARTIFACT_BACKEND);
  CHECK(store.uri_schemes == std::vector<std::string>{"mem"});
}

TEST_CASE("the clang-built SDK plugin loads into the gcc-built host and runs a job", "[loading][clang]") {
  if (!HODEI_HAVE_CLANG_PLUGIN) {
    WARN("clang++ was not found at configure time");
    return;
  }
  TempPluginDir dir;
  dir.add("libhodei_test_clang.so");
  const PluginRegistry registry(hodei::test::options_for(dir.path()));
  REQUIRE(registry.refusals().empty());
  const auto executor = registry.executor("clang");
  REQUIRE(executor);
  CHECK(executor->fingerprint() == std::optional<std::string>(R"({"compiler":"clang"})"));
  CollectingReceiver receiver;
  auto job = executor->start(hodei::test::spec_with_steps({"built by clang"}), receiver);
  const auto result = job->wait(std::chrono::milliseconds(-1));
  REQUIRE(result);
  CHECK(result->outcome == Outcome::succeeded);
  CHECK(receiver.out() == "built by clang\n");
}

TEST_CASE("executors are found by full id or short name, unknown names give nullptr", "[lookup]") {
  const TempPluginDir dir;
  add_good_plugins(dir);
  const PluginRegistry registry(hodei::test::options_for(dir.path()));
  REQUIRE(registry.executor("dev.hodei.test.good"));
  CHECK(registry.executor("dev.hodei.test.good")->info().id == "dev.hodei.test.good");
  REQUIRE(registry.executor("c"));
  CHECK(registry.executor("c")->info().id == "dev.hodei.test.c");
  CHECK(registry.executor("nope") == nullptr);
  CHECK(registry.executor("memstore") == nullptr); // a backend, not an executor
  std::vector<std::string> names = {"c", "good"};
  if (HODEI_HAVE_CLANG_PLUGIN) names = {"c", "clang", "good"};
  CHECK(registry.executor_names() == names);
}

TEST_CASE("an ambiguous short executor name throws, listing the matching ids", "[lookup]") {
  TempPluginDir dir;
  dir.add("libhodei_test_good.so");
  dir.add("libhodei_test_good_alt.so");
  const PluginRegistry registry(hodei::test::options_for(dir.path()));
  REQUIRE(registry.refusals().empty());
  CHECK_THROWS_WITH(registry.executor("good"), Contains("\"good\" is ambiguous") && Contains("dev.hodei.test.good") &&
                                                   Contains("com.example.good"));
  CHECK(registry.executor("com.example.good")->info().id == "com.example.good");
  CHECK(registry.executor_names() == std::vector<std::string>{"good"});
}

TEST_CASE("plugin log lines carry the plugin id and config_get follows the too-small-buffer rule", "[host]") {
  const LogCapture log;
  TempPluginDir dir;
  dir.add("libhodei_test_c.so");
  const PluginRegistry registry(hodei::test::options_for(dir.path()));
  REQUIRE(registry.refusals().empty());
  // worker.id is "worker-0042": 11 bytes; the plugin first offers 4, gets RESOURCE_EXHAUSTED + 11, untouched.
  CHECK(log.contains("[dev.hodei.test.c] init: worker.id=worker-0042 (small buffer: needed 11, untouched) config={}"));
}

TEST_CASE("a plugin's config is looked up by full id, then by short name, and is {} otherwise", "[host]") {
  const LogCapture log;
  TempPluginDir dir;
  dir.add("libhodei_test_c.so");
  dir.add("libhodei_test_good.so");
  dir.add("libhodei_test_good_alt.so");
  auto options = hodei::test::options_for(dir.path());
  options.plugin_configs = {{"dev.hodei.test.good", R"({"by":"id"})"}, {"good", R"({"by":"short name"})"}};
  const PluginRegistry registry(options);
  REQUIRE(registry.refusals().empty());
  CHECK(log.contains(R"([dev.hodei.test.good] init config={"by":"id"})"));
  CHECK(log.contains(R"([com.example.good] init config={"by":"short name"})"));
  CHECK(log.contains("[dev.hodei.test.c] init: worker.id=worker-0042 (small buffer: needed 11, untouched) config={}"));
}

TEST_CASE("deinit runs when the registry goes if no handle is left", "[lifetime]") {
  const LogCapture log;
  TempPluginDir dir;
  dir.add("libhodei_test_c.so");
  {
    const PluginRegistry registry(hodei::test::options_for(dir.path()));
    REQUIRE(registry.executor("c"));
    CHECK_FALSE(log.contains("[dev.hodei.test.c] deinit"));
  }
  CHECK(log.contains("[dev.hodei.test.c] deinit"));
}

TEST_CASE("deinit waits for the last handle and job, even when the registry is gone first", "[lifetime]") {
  const LogCapture log;
  TempPluginDir dir;
  dir.add("libhodei_test_c.so");
  auto registry = std::make_unique<PluginRegistry>(hodei::test::options_for(dir.path()));
  auto executor = registry->executor("c");
  REQUIRE(executor);
  CollectingReceiver receiver;
  auto job = executor->start(hodei::test::spec_with_steps({"x"}), receiver);
  registry.reset();
  executor.reset();
  CHECK_FALSE(log.contains("[dev.hodei.test.c] deinit"));
  const auto result = job->wait(std::chrono::milliseconds(-1)); // the job still works
  REQUIRE(result);
  CHECK(result->outcome == Outcome::succeeded);
  job.reset();
  const long destroyed = log.index_of("[dev.hodei.test.c] destroy");
  const long deinit = log.index_of("[dev.hodei.test.c] deinit");
  REQUIRE(destroyed >= 0);
  REQUIRE(deinit >= 0);
  CHECK(destroyed < deinit);
}

TEST_CASE("loaded libraries stay mapped after deinit, libraries refused before init are unloaded", "[lifetime]") {
  TempPluginDir dir;
  const auto good = dir.add("libhodei_test_c.so");
  const auto before_init = dir.add("libhodei_test_broken_abi-major.so");
  const auto init_failed = dir.add("libhodei_test_broken_init-fails.so");
  {
    const PluginRegistry registry(hodei::test::options_for(dir.path()));
    CHECK(registry.refusals().size() == 2);
    CHECK(hodei::test::is_library_loaded(good));
  }
  CHECK(hodei::test::is_library_loaded(good));        // never unloaded while the process runs
  CHECK(hodei::test::is_library_loaded(init_failed)); // init ran: kept
  CHECK_FALSE(hodei::test::is_library_loaded(before_init));
}

TEST_CASE("two registries in one process get separate plugin instances", "[lifetime]") {
  const LogCapture log;
  TempPluginDir dir;
  dir.add("libhodei_test_c.so");
  const PluginRegistry first(hodei::test::options_for(dir.path()));
  const PluginRegistry second(hodei::test::options_for(dir.path()));
  CHECK(first.refusals().empty());
  CHECK(second.refusals().empty());
  CollectingReceiver a;
  CollectingReceiver b;
  auto job_a = first.executor("c")->start(hodei::test::spec_with_steps({"x"}), a);
  auto job_b = second.executor("c")->start(hodei::test::spec_with_steps({"x"}), b);
  CHECK(job_a->wait(std::chrono::milliseconds(-1))->outcome == Outcome::succeeded);
  CHECK(job_b->wait(std::chrono::milliseconds(-1))->outcome == Outcome::succeeded);
  CHECK(a.out() == "hello from C\n");
  CHECK(b.out() == "hello from C\n");
}

TEST_CASE("several folders are scanned in the order given", "[loading]") {
  TempPluginDir first;
  TempPluginDir second;
  first.add("libhodei_test_good.so");
  second.add("libhodei_test_c.so");
  RegistryOptions options = hodei::test::options_for(first.path());
  options.plugin_dirs.push_back(second.path());
  const PluginRegistry registry(options);
  CHECK(hodei::test::loaded_ids(registry) == std::vector<std::string>{"dev.hodei.test.good", "dev.hodei.test.c"});
}

TEST_CASE("files not ending in .so and sub-folders are ignored", "[loading]") {
  TempPluginDir dir;
  dir.add("libhodei_test_c.so", "libhodei_test_c.so.1");
  dir.add("libhodei_test_c.so", "README");
  std::filesystem::create_directory(dir.path() / "nested");
  dir.add("libhodei_test_good.so", "nested/libhodei_test_good.so");
  const PluginRegistry registry(hodei::test::options_for(dir.path()));
  CHECK(registry.plugins().empty());
  CHECK(registry.refusals().empty());
}
