// PluginRegistry::rescan (SIGHUP on `serve`): new files load, loaded code is never replaced or dropped.
#include "plugin_registry.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using namespace hodei::plugins;
using hodei::test::TempPluginDir;
namespace fs = std::filesystem;

TEST_CASE("a rescan loads new plugin files and keeps loaded ones whatever happened to their files", "[rescan]") {
  TempPluginDir dir;
  const auto good = dir.add("libhodei_test_good.so");
  PluginRegistry registry(hodei::test::options_for(dir.path()));
  REQUIRE(registry.plugins().size() == 1);

  const RescanResult nothing = registry.rescan({dir.path()}, {});
  CHECK(nothing.loaded.empty());
  CHECK(nothing.refusals.empty());
  CHECK(nothing.kept_changed.empty());
  CHECK(nothing.kept_removed.empty());

  dir.add("libhodei_test_memstore.so");
  const RescanResult added = registry.rescan({dir.path()}, {});
  REQUIRE(added.loaded.size() == 1);
  CHECK(added.loaded[0].id == "dev.hodei.test.memstore");
  CHECK(registry.plugins().size() == 2);

  // A new version of a loaded id in another file: refused as a duplicate, the loaded one stays.
  dir.add("libhodei_test_good.so", "libhodei_test_good_v2.so");
  const RescanResult duplicate = registry.rescan({dir.path()}, {});
  CHECK(duplicate.loaded.empty());
  REQUIRE(duplicate.refusals.size() == 1);
  CHECK_THAT(duplicate.refusals[0].reason, Catch::Matchers::Contains("duplicate plugin id"));
  fs::remove(dir.path() / "libhodei_test_good_v2.so");

  // The loaded file replaced on disk (a rename over it, as an installer does): reported, not reloaded.
  const auto replacement = dir.add("libhodei_test_good.so", "incoming.tmp");
  fs::rename(replacement, good);
  const RescanResult changed = registry.rescan({dir.path()}, {});
  CHECK(changed.loaded.empty());
  CHECK(changed.kept_changed == std::vector<std::string>{good.string()});

  fs::remove(good);
  const RescanResult removed = registry.rescan({dir.path()}, {});
  CHECK(removed.kept_removed == std::vector<std::string>{good.string()});
  CHECK(registry.plugins().size() == 2);
  const auto executor = registry.executor("dev.hodei.test.good");
  CHECK(executor != nullptr); // its code is still loaded and usable
}
