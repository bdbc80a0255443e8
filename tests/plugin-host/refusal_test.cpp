// One broken library per refusal reason, each in a folder WITH a good plugin: the good one loads, the broken one is
// refused: Refusal::file names it, Refusal::reason explains why (with both versions where versions are involved).
#include "plugin_registry.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using namespace hodei::plugins;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using hodei::test::TempPluginDir;

namespace {

// Puts `broken` (a test plugin file) beside the good C plugin, loads the folder, checks the good plugin loaded and
// `broken` was refused with every keyword; returns the message.
std::string refusal_beside_good_plugin(const std::string &broken, const std::vector<std::string> &keywords,
                                       const RegistryOptions &extra = {}) {
  TempPluginDir dir;
  dir.add("libhodei_test_c.so");
  const auto file = dir.add(broken);
  RegistryOptions options = hodei::test::options_for(dir.path());
  options.plugin_configs = extra.plugin_configs;
  const PluginRegistry registry(options);
  CHECK(hodei::test::loaded_ids(registry) == std::vector<std::string>{"dev.hodei.test.c"});
  const auto refusals = registry.refusals();
  REQUIRE(refusals.size() == 1);
  CHECK(refusals[0].file == file.string());
  CHECK_THAT(refusals[0].reason, !StartsWith(file.string())); // the file is Refusal::file, not repeated
  for (const std::string &keyword : keywords) CHECK_THAT(refusals[0].reason, Contains(keyword));
  return refusals[0].reason;
}

} // namespace

TEST_CASE("a library without hodei_plugin_entry is refused as not a plugin", "[refusal]") {
  refusal_beside_good_plugin("libhodei_test_not_a_plugin.so",
                             {"not a Hodei plugin: it does not export the function hodei_plugin_entry"});
}

TEST_CASE("a library exporting hodei_plugin_entry as data is refused without calling it", "[refusal]") {
  refusal_beside_good_plugin("libhodei_test_data_entry.so",
                             {"not a Hodei plugin: hodei_plugin_entry is a data symbol, not a function"});
}

TEST_CASE("a library with unresolved symbols is refused with the dlerror text", "[refusal]") {
  refusal_beside_good_plugin("libhodei_test_unresolved.so",
                             {"cannot load the library: ", "undefined symbol: hodei_test_symbol_nobody_defines"});
}

TEST_CASE("a file that is not a shared library is refused with the dlerror text", "[refusal]") {
  TempPluginDir dir;
  dir.add("libhodei_test_c.so");
  const auto file = dir.path() / "libnot_elf.so";
  std::ofstream(file) << std::string(256, '#') << "\nthis is not an ELF file\n";
  std::filesystem::permissions(file, std::filesystem::perms(0644), std::filesystem::perm_options::replace);
  const PluginRegistry registry(hodei::test::options_for(dir.path()));
  CHECK(hodei::test::loaded_ids(registry) == std::vector<std::string>{"dev.hodei.test.c"});
  REQUIRE(registry.refusals().size() == 1);
  CHECK(registry.refusals()[0].file == file.string());
  CHECK_THAT(registry.refusals()[0].reason,
             StartsWith("cannot load the library: " + file.string()) && Contains("invalid ELF header"));
}

TEST_CASE("an entry function returning NULL is refused", "[refusal]") {
  refusal_beside_good_plugin("libhodei_test_broken_entry-null.so", {"hodei_plugin_entry() returned NULL"});
}

TEST_CASE("an entry struct with a bad magic is refused naming both magics", "[refusal]") {
  refusal_beside_good_plugin("libhodei_test_broken_bad-magic.so",
                             {"not a Hodei plugin: bad magic 0x0123456789ABCDEF", "expected 0x474C504945444F48"});
}

TEST_CASE("a plugin built for ABI 2.x is refused naming both versions", "[refusal][versions]") {
  refusal_beside_good_plugin("libhodei_test_broken_abi-major.so",
                             {"plugin requires ABI 2.x, this host provides 1.0", "ABI 1.x"});
}

TEST_CASE("a plugin requiring a newer ABI minor is refused naming both versions", "[refusal][versions]") {
  refusal_beside_good_plugin("libhodei_test_broken_abi-minor.so",
                             {"plugin requires ABI 1.3, this host provides 1.0", "upgrade hodei-worker"});
}

TEST_CASE("an entry struct smaller than ABI 1.0's is refused as truncated", "[refusal][versions]") {
  refusal_beside_good_plugin("libhodei_test_broken_truncated.so",
                             {"truncated entry struct: hodei_plugin.struct_size is 24 bytes, ABI 1.0 needs at least 48",
                              "plugin declares ABI 1.0, this host provides 1.0"});
}

TEST_CASE("an entry struct with a NULL init is refused", "[refusal]") {
  refusal_beside_good_plugin("libhodei_test_broken_init-null.so", {"invalid entry struct: hodei_plugin.init is NULL"});
}

TEST_CASE("a NULL descriptor is refused", "[refusal][descriptor]") {
  refusal_beside_good_plugin("libhodei_test_broken_descriptor-null.so",
                             {"invalid descriptor: hodei_plugin.descriptor is NULL"});
}

TEST_CASE("a descriptor smaller than ABI 1.0's is refused", "[refusal][descriptor]") {
  refusal_beside_good_plugin("libhodei_test_broken_descriptor-small.so",
                             {"invalid descriptor: struct_size is 8 bytes, ABI 1.0 needs at least 64"});
}

TEST_CASE("a descriptor without an id is refused", "[refusal][descriptor]") {
  refusal_beside_good_plugin("libhodei_test_broken_id-missing.so", {"invalid descriptor: id is missing"});
}

TEST_CASE("a descriptor whose id is not lowercase reverse-DNS is refused", "[refusal][descriptor]") {
  refusal_beside_good_plugin("libhodei_test_broken_id-invalid.so",
                             {"invalid descriptor: id \"Dev.Hodei.Test.Broken\" is not a lowercase reverse-DNS name"});
}

TEST_CASE("a descriptor without a name is refused", "[refusal][descriptor]") {
  refusal_beside_good_plugin("libhodei_test_broken_name-missing.so", {"invalid descriptor: name is missing"});
}

TEST_CASE("a descriptor whose version is not semver is refused", "[refusal][descriptor]") {
  refusal_beside_good_plugin("libhodei_test_broken_version-invalid.so",
                             {"invalid descriptor: version \"1.0\" is not a semantic version"});
}

TEST_CASE("a descriptor with no kind is refused", "[refusal][descriptor]") {
  refusal_beside_good_plugin("libhodei_test_broken_kinds-zero.so", {"invalid descriptor: kinds is 0"});
}

TEST_CASE("a descriptor with unknown kind bits is refused", "[refusal][descriptor]") {
  refusal_beside_good_plugin("libhodei_test_broken_kinds-unknown.so",
                             {"invalid descriptor: kinds has unknown bits 0x20 (this host knows 0x3)"});
}

TEST_CASE("an artifact backend without URI schemes is refused", "[refusal][descriptor]") {
  refusal_beside_good_plugin("libhodei_test_broken_backend-no-schemes.so",
                             {"invalid descriptor: an artifact backend must list its URI schemes"});
}

TEST_CASE("an artifact backend with an invalid URI scheme is refused", "[refusal][descriptor]") {
  refusal_beside_good_plugin("libhodei_test_broken_scheme-invalid.so",
                             {"invalid descriptor: URI scheme \"S3:\" is invalid"});
}

TEST_CASE("a capability bit without its function is refused after get_interface", "[refusal][interface]") {
  refusal_beside_good_plugin("libhodei_test_broken_cap-without-fn.so",
                             {"declares HODEI_CAP_EXECUTOR_SIGNAL but hodei_executor_v1.signal is NULL"});
}

TEST_CASE("a declared kind whose interface get_interface does not return is refused", "[refusal][interface]") {
  refusal_beside_good_plugin("libhodei_test_broken_interface-null.so",
                             {"declares HODEI_KIND_EXECUTOR but get_interface(\"hodei.executor/1\") returned NULL"});
}

TEST_CASE("an interface table smaller than ABI 1.0's is refused", "[refusal][interface]") {
  refusal_beside_good_plugin(
      "libhodei_test_broken_table-small.so",
      {"hodei_executor_v1 table is truncated: struct_size is 8 bytes, ABI 1.0 needs at least 80"});
}

TEST_CASE("an interface table with a required function NULL is refused", "[refusal][interface]") {
  refusal_beside_good_plugin("libhodei_test_broken_table-fn-null.so",
                             {"hodei_executor_v1.start is NULL, but it is required"});
}

TEST_CASE("an init failure is refused with the status name and the plugin's message", "[refusal][init]") {
  refusal_beside_good_plugin("libhodei_test_broken_init-fails.so",
                             {"init failed with HODEI_ERR_INVALID_ARGUMENT: config.socket: expected a string"});
}

TEST_CASE("a C++ plugin whose constructor throws is refused with the exception's text", "[refusal][init]") {
  refusal_beside_good_plugin(
      "libhodei_test_throwing.so",
      {"init failed with HODEI_ERR_INTERNAL: unexpected exception: boom: the constructor threw"});
}

TEST_CASE("a config that is not JSON refuses the plugin before init, with the parser's message", "[refusal][init]") {
  RegistryOptions extra;
  extra.plugin_configs = {{"good", "[1, 2"}};
  refusal_beside_good_plugin(
      "libhodei_test_good.so",
      {"the config given for \"good\" is not a JSON object: [json.exception.parse_error.101] parse error"}, extra);
}

TEST_CASE("a second plugin with the same id is refused naming the first file", "[refusal]") {
  TempPluginDir dir;
  const auto first = dir.add("libhodei_test_c.so", "liba-first.so");
  const auto second = dir.add("libhodei_test_c.so", "libb-second.so");
  const PluginRegistry registry(hodei::test::options_for(dir.path()));
  CHECK(registry.plugins().size() == 1);
  CHECK(registry.plugins()[0].file == first.string());
  REQUIRE(registry.refusals().size() == 1);
  CHECK(registry.refusals()[0].file == second.string());
  CHECK(registry.refusals()[0].reason ==
        "duplicate plugin id \"dev.hodei.test.c\": already loaded from " + first.string());
}

TEST_CASE("a second artifact backend for the same URI scheme is refused naming the first", "[refusal]") {
  TempPluginDir dir;
  dir.add("libhodei_test_memstore.so");
  const auto second = dir.add("libhodei_test_memstore2.so");
  const PluginRegistry registry(hodei::test::options_for(dir.path()));
  CHECK(hodei::test::loaded_ids(registry) == std::vector<std::string>{"dev.hodei.test.memstore"});
  REQUIRE(registry.refusals().size() == 1);
  CHECK(registry.refusals()[0].file == second.string());
  CHECK(registry.refusals()[0].reason == "URI scheme \"mem\" is already handled by dev.hodei.test.memstore (" +
                                             (dir.path() / "libhodei_test_memstore.so").string() + ")");
}

TEST_CASE("a plugin folder that does not exist is a refusal, and the other folders still load", "[refusal][folder]") {
  TempPluginDir dir;
  dir.add("libhodei_test_c.so");
  const auto missing = dir.path() / "does-not-exist";
  RegistryOptions options = hodei::test::options_for(missing);
  options.plugin_dirs.push_back(dir.path());
  const PluginRegistry registry(options);
  CHECK(hodei::test::loaded_ids(registry) == std::vector<std::string>{"dev.hodei.test.c"});
  REQUIRE(registry.refusals().size() == 1);
  CHECK(registry.refusals()[0].file == missing.string());
  CHECK(registry.refusals()[0].reason == "plugin folder does not exist");
}

TEST_CASE("a plugin folder path that is a file is a refusal", "[refusal][folder]") {
  TempPluginDir dir;
  const auto file = dir.add("libhodei_test_c.so");
  const PluginRegistry registry(hodei::test::options_for(file));
  REQUIRE(registry.refusals().size() == 1);
  CHECK(registry.refusals()[0].file == file.string());
  CHECK(registry.refusals()[0].reason == "plugin folder is not a directory");
}

TEST_CASE("a dangling symlink named *.so is refused", "[refusal][folder]") {
  TempPluginDir dir;
  dir.add("libhodei_test_c.so");
  const auto link = dir.path() / "libdangling.so";
  std::filesystem::create_symlink(dir.path() / "nowhere.so", link);
  const PluginRegistry registry(hodei::test::options_for(dir.path()));
  CHECK(hodei::test::loaded_ids(registry) == std::vector<std::string>{"dev.hodei.test.c"});
  REQUIRE(registry.refusals().size() == 1);
  CHECK(registry.refusals()[0].file == link.string());
  CHECK(registry.refusals()[0].reason == "the symlink does not resolve to a file");
}

TEST_CASE("every broken library in one folder is refused while all the good ones load", "[refusal]") {
  TempPluginDir dir;
  const std::vector<std::string> good = {"libhodei_test_c.so", "libhodei_test_good.so", "libhodei_test_memstore.so"};
  std::vector<std::string> broken = {"libhodei_test_not_a_plugin.so", "libhodei_test_data_entry.so",
                                     "libhodei_test_unresolved.so", "libhodei_test_throwing.so"};
  for (const char *defect :
       {"entry-null",     "bad-magic",       "abi-major",        "abi-minor",     "truncated",
        "init-null",      "descriptor-null", "descriptor-small", "id-missing",    "id-invalid",
        "name-missing",   "version-invalid", "kinds-zero",       "kinds-unknown", "backend-no-schemes",
        "scheme-invalid", "cap-without-fn",  "interface-null",   "table-small",   "table-fn-null",
        "init-fails"}) {
    broken.push_back(std::string("libhodei_test_broken_") + defect + ".so");
  }
  for (const auto &name : good) dir.add(name);
  for (const auto &name : broken) dir.add(name);
  const PluginRegistry registry(hodei::test::options_for(dir.path()));
  CHECK(hodei::test::loaded_ids(registry) ==
        std::vector<std::string>{"dev.hodei.test.c", "dev.hodei.test.good", "dev.hodei.test.memstore"});
  CHECK(registry.refusals().size() == broken.size());
  CHECK(registry.executor("good"));
  CHECK(registry.backend_for_scheme("mem"));
}

TEST_CASE("a config that is JSON but not an object refuses the plugin, naming its type", "[refusal][init]") {
  RegistryOptions extra;
  extra.plugin_configs = {{"dev.hodei.test.good", "[1, 2]"}};
  refusal_beside_good_plugin("libhodei_test_good.so",
                             {"the config given for \"dev.hodei.test.good\" is not a JSON object: it is an array"},
                             extra);
}
