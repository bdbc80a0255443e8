// Reading what `plugins check` needs from a plugin's ELF file without loading it: the header (type, class,
// machine), the defined dynamic symbols, and the symbol versions it needs (verneed) or a library defines (verdef).
// 64-bit little-endian ELF only: anything else is refused with a clear message.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hodei::plugin_check {

struct ElfSymbol {
  std::string name;
  unsigned type = 0;    // STT_*
  unsigned binding = 0; // STB_*
};

struct ElfNeededVersion {
  std::string library; // "libc.so.6"
  std::string version; // "GLIBC_2.34"
};

struct ElfFile {
  uint16_t type = 0;    // ET_*
  uint16_t machine = 0; // EM_*
  bool has_dynamic = false;
  std::vector<std::string> needed;               // DT_NEEDED
  std::vector<ElfSymbol> exported;               // defined, global/weak/unique, default/protected visibility
  std::vector<ElfNeededVersion> needed_versions; // .gnu.version_r
  std::vector<std::string> defined_versions;     // .gnu.version_d
};

// Parses `file`. Throws std::runtime_error with a message that says what is wrong ("not an ELF file",
// "32-bit ELF is not supported", "truncated section header table"...).
[[nodiscard]] ElfFile read_elf(const std::filesystem::path &file);

// The e_machine value of the running host (EM_X86_64, EM_AARCH64...).
[[nodiscard]] uint16_t host_machine() noexcept;
// "x86-64", "AArch64"... or "machine 183".
[[nodiscard]] std::string machine_name(uint16_t machine);

} // namespace hodei::plugin_check
