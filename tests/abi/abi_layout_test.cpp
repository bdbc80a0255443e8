// Running checks of the ABI layout: the C and the C++ compiler agree on every offset and size, the frozen prefix is
// where abi.h promises, the LP64 values are the published ones, and a pure-C plugin's entry is usable from C++.
#include "abi_layout_list.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <dlfcn.h>
#include <string>

extern "C" const size_t hodei_abi_layout_from_c[];
extern "C" const size_t hodei_abi_layout_from_c_count;

namespace {
struct Fact {
  const char *name;
  size_t cxx;
  size_t lp64;
};
#define HODEI_AS_FACT(name, expr, lp64) Fact{#name, static_cast<size_t>(expr), static_cast<size_t>(lp64)},
const Fact kFacts[] = {HODEI_ABI_LAYOUT(HODEI_AS_FACT)};
} // namespace

TEST_CASE("the frozen prefix of hodei_plugin sits at offsets 0, 8, 12 and 14 in C++", "[abi]") {
  CHECK(offsetof(hodei_plugin, magic) == 0);
  CHECK(offsetof(hodei_plugin, struct_size) == 8);
  CHECK(offsetof(hodei_plugin, abi_major) == 12);
  CHECK(offsetof(hodei_plugin, abi_minor) == 14);
  CHECK(sizeof(hodei_plugin{}.magic) == 8);
  CHECK(sizeof(hodei_plugin{}.struct_size) == 4);
  CHECK(sizeof(hodei_plugin{}.abi_major) == 2);
  CHECK(sizeof(hodei_plugin{}.abi_minor) == 2);
}

TEST_CASE("the plugin magic reads HODEIPLG in memory", "[abi]") {
  const uint64_t magic = HODEI_PLUGIN_MAGIC;
  char bytes[9] = {};
  std::memcpy(bytes, &magic, 8);
  if (bytes[0] == 'H') CHECK(std::string(bytes) == "HODEIPLG"); // little-endian hosts
  CHECK(std::string(HODEI_PLUGIN_ENTRY_SYMBOL) == "hodei_plugin_entry");
}

TEST_CASE("the C and the C++ compiler agree on every offset and size of the ABI structs", "[abi]") {
  REQUIRE(hodei_abi_layout_from_c_count == sizeof kFacts / sizeof kFacts[0]);
  for (size_t i = 0; i < hodei_abi_layout_from_c_count; ++i) {
    INFO(kFacts[i].name);
    CHECK(hodei_abi_layout_from_c[i] == kFacts[i].cxx);
  }
}

TEST_CASE("on LP64 the ABI structs have the published offsets and sizes", "[abi]") {
  if (sizeof(void *) != 8 || sizeof(long) != 8) return; // the published table is for LP64 targets
  for (const Fact &fact : kFacts) {
    INFO(fact.name);
    CHECK(fact.cxx == fact.lp64);
  }
}

TEST_CASE("a plugin written in pure C exports an entry with a valid ABI 1.0 prefix and descriptor", "[abi]") {
  const std::string file = std::string(HODEI_TEST_PLUGIN_DIR) + "/libhodei_test_c.so";
  void *library = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  INFO((library == nullptr ? ::dlerror() : file.c_str()));
  REQUIRE(library != nullptr);
  const auto entry = reinterpret_cast<hodei_plugin_entry_fn>(::dlsym(library, HODEI_PLUGIN_ENTRY_SYMBOL));
  REQUIRE(entry != nullptr);
  const hodei_plugin *plugin = entry();
  REQUIRE(plugin != nullptr);
  CHECK(plugin->magic == HODEI_PLUGIN_MAGIC);
  CHECK(plugin->abi_major == 1);
  CHECK(plugin->abi_minor == 0);
  CHECK(plugin->struct_size >= HODEI_PLUGIN_V1_0_SIZE);
  REQUIRE(plugin->descriptor != nullptr);
  CHECK(std::string(plugin->descriptor->id) == "dev.hodei.test.c");
  CHECK(plugin->get_interface != nullptr);
  // Deliberately not dlclose()d: the host never unloads plugins either.
}
