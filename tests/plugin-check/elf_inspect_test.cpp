// The ELF reader behind the static checks of `plugins check`.
#include "elf_inspect.hpp"

#include <catch2/catch.hpp>
#include <elf.h>
#include <filesystem>
#include <fstream>

using namespace hodei::plugin_check;

TEST_CASE("read_elf: a bundled plugin exports only its entry and needs versioned glibc symbols", "[plugin-check]") {
  const ElfFile elf = read_elf(HODEI_PLUGIN_DIR "/libhodei-executor-shell.so");
  CHECK(elf.type == ET_DYN);
  CHECK(elf.machine == host_machine());
  CHECK(elf.has_dynamic);
  REQUIRE(elf.exported.size() == 1);
  CHECK(elf.exported.front().name == "hodei_plugin_entry");
  CHECK(elf.exported.front().type == STT_FUNC);
  bool glibc = false;
  for (const ElfNeededVersion &v : elf.needed_versions) glibc = glibc || v.version.rfind("GLIBC_", 0) == 0;
  CHECK(glibc);
}

TEST_CASE("read_elf: refuses what is not a 64-bit ELF file", "[plugin-check]") {
  const std::filesystem::path text = std::filesystem::temp_directory_path() / "hodei-elf-test.txt";
  { std::ofstream(text) << "not an elf file at all"; }
  CHECK_THROWS_WITH(read_elf(text), Catch::Contains("not an ELF file"));
  std::filesystem::remove(text);
  CHECK_THROWS(read_elf("/nonexistent/file.so"));
}

TEST_CASE("machine_name", "[plugin-check]") {
  CHECK(machine_name(EM_X86_64) == "x86-64");
  CHECK(machine_name(EM_AARCH64) == "AArch64");
  CHECK(machine_name(9999) == "machine 9999");
}
