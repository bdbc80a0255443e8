// The permission rule: a plugin file, its folder, or a symlink's target and its folder writable by group/others
// (or owned by someone other than root and the current user) is refused, unless allow_insecure_permissions is set.
#include "permissions.hpp"
#include "plugin_registry.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>
#include <unistd.h>

using namespace hodei::plugins;
using Catch::Matchers::Contains;
using hodei::test::TempPluginDir;
namespace fs = std::filesystem;

namespace {
const char *const kFix = "--allow-insecure-plugins for development";

void set_mode(const fs::path &path, unsigned mode) {
  fs::permissions(path, static_cast<fs::perms>(mode), fs::perm_options::replace);
}
} // namespace

TEST_CASE("a plugin file writable by others is refused with its mode and the fix", "[permissions]") {
  TempPluginDir dir;
  const auto file = dir.add("libhodei_test_c.so");
  dir.add("libhodei_test_good.so");
  set_mode(file, 0646);
  const PluginRegistry registry(hodei::test::options_for(dir.path()));
  CHECK(hodei::test::loaded_ids(registry) == std::vector<std::string>{"dev.hodei.test.good"});
  REQUIRE(registry.refusals().size() == 1);
  CHECK(registry.refusals()[0].file == file.string());
  CHECK(registry.refusals()[0].reason == "the file is writable by others (mode 0646); refusing to load: fix with "
                                         "chmod go-w " +
                                             file.string() + ", or pass " + kFix);
}

TEST_CASE("a plugin file writable by its group is refused", "[permissions]") {
  TempPluginDir dir;
  const auto file = dir.add("libhodei_test_c.so");
  set_mode(file, 0664);
  const PluginRegistry registry(hodei::test::options_for(dir.path()));
  CHECK(registry.plugins().empty());
  REQUIRE(registry.refusals().size() == 1);
  CHECK_THAT(registry.refusals()[0].reason, Contains("the file is writable by group (mode 0664)"));
}

TEST_CASE("a plugin folder writable by others refuses the plugins in it", "[permissions]") {
  TempPluginDir dir;
  const auto file = dir.add("libhodei_test_c.so");
  set_mode(dir.path(), 0757);
  const PluginRegistry registry(hodei::test::options_for(dir.path()));
  CHECK(registry.plugins().empty());
  REQUIRE(registry.refusals().size() == 1);
  CHECK(registry.refusals()[0].file == file.string());
  CHECK(registry.refusals()[0].reason == "its folder " + dir.path().string() +
                                             " is writable by others (mode 0757); refusing to load: fix with chmod "
                                             "go-w " +
                                             dir.path().string() + ", or pass " + kFix);
}

TEST_CASE("allow_insecure_permissions loads plugins from writable files and folders", "[permissions]") {
  TempPluginDir dir;
  const auto file = dir.add("libhodei_test_c.so");
  set_mode(file, 0666);
  set_mode(dir.path(), 0777);
  RegistryOptions options = hodei::test::options_for(dir.path());
  options.allow_insecure_permissions = true;
  const PluginRegistry registry(options);
  CHECK(registry.refusals().empty());
  CHECK(hodei::test::loaded_ids(registry) == std::vector<std::string>{"dev.hodei.test.c"});
}

TEST_CASE("a plugin file owned by another user is refused", "[permissions]") {
  if (::geteuid() != 0) {
    WARN("needs root to chown the test file");
    return;
  }
  TempPluginDir dir;
  const auto file = dir.add("libhodei_test_c.so");
  REQUIRE(::chown(file.c_str(), 4242, 4242) == 0);
  const PluginRegistry registry(hodei::test::options_for(dir.path()));
  CHECK(registry.plugins().empty());
  REQUIRE(registry.refusals().size() == 1);
  CHECK_THAT(registry.refusals()[0].reason,
             Contains("the file is owned by uid 4242, not by root or the current user (uid 0)") &&
                 Contains("fix with chown root " + file.string()) && Contains(kFix));
}

TEST_CASE("a symlink is judged by its target's mode and the target's folder", "[permissions]") {
  TempPluginDir dir;
  TempPluginDir elsewhere;
  const auto target = elsewhere.add("libhodei_test_c.so");
  const auto link = dir.path() / "libhodei_test_c.so";
  fs::create_symlink(target, link);

  SECTION("a safe target loads") {
    const PluginRegistry registry(hodei::test::options_for(dir.path()));
    CHECK(registry.refusals().empty());
    CHECK(hodei::test::loaded_ids(registry) == std::vector<std::string>{"dev.hodei.test.c"});
  }
  SECTION("a target writable by others is refused") {
    set_mode(target, 0666);
    const PluginRegistry registry(hodei::test::options_for(dir.path()));
    REQUIRE(registry.refusals().size() == 1);
    CHECK_THAT(registry.refusals()[0].reason,
               Contains("its symlink target " + target.string() + " is writable by others (mode 0666)"));
  }
  SECTION("a target in a folder writable by others is refused") {
    set_mode(elsewhere.path(), 0777);
    const PluginRegistry registry(hodei::test::options_for(dir.path()));
    REQUIRE(registry.refusals().size() == 1);
    CHECK_THAT(registry.refusals()[0].reason, Contains("its symlink target's folder " + elsewhere.path().string() +
                                                       " is writable by others (mode 0777)"));
  }
}

TEST_CASE("check_permissions accepts a safe plugin and explains an unsafe one", "[permissions]") {
  TempPluginDir dir;
  const auto file = dir.add("libhodei_test_c.so");
  CHECK(check_permissions(file) == std::nullopt);
  set_mode(file, 0620);
  const auto problem = check_permissions(file);
  REQUIRE(problem);
  CHECK_THAT(*problem, Contains("writable by group (mode 0620)"));
}
