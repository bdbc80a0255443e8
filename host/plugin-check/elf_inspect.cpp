#include "elf_inspect.hpp"

#include <array>
#include <cstring>
#include <elf.h>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace hodei::plugin_check {

namespace {

// Bounds-checked view of the whole file: a malformed file throws, it never reads out of range.
class Bytes {
public:
  explicit Bytes(std::string data) : data_(std::move(data)) {}
  template <class T> [[nodiscard]] T read(uint64_t offset, const char *what) const {
    if (offset > data_.size() || data_.size() - offset < sizeof(T)) {
      throw std::runtime_error(std::string("truncated or malformed ELF file (") + what + " out of range)");
    }
    T value;
    std::memcpy(&value, data_.data() + offset, sizeof(T));
    return value;
  }
  [[nodiscard]] std::string string_at(uint64_t table_offset, uint64_t table_size, uint64_t index) const {
    if (index >= table_size || table_offset > data_.size() || data_.size() - table_offset < table_size) {
      throw std::runtime_error("truncated or malformed ELF file (string out of range)");
    }
    const char *begin = data_.data() + table_offset + index;
    const size_t max = static_cast<size_t>(table_size - index);
    return {begin, ::strnlen(begin, max)};
  }
  [[nodiscard]] size_t size() const noexcept { return data_.size(); }

private:
  std::string data_;
};

std::string read_file(const std::filesystem::path &file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open the file for reading");
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error("cannot read the file");
  return data;
}

} // namespace

ElfFile read_elf(const std::filesystem::path &file) {
  const Bytes bytes(read_file(file));
  if (bytes.size() < EI_NIDENT) throw std::runtime_error("not an ELF file (too short)");
  const auto ident = bytes.read<std::array<unsigned char, EI_NIDENT>>(0, "e_ident");
  if (std::memcmp(ident.data(), ELFMAG, SELFMAG) != 0) throw std::runtime_error("not an ELF file (bad magic)");
  if (ident[EI_CLASS] != ELFCLASS64) {
    throw std::runtime_error(ident[EI_CLASS] == ELFCLASS32 ? "32-bit ELF file: only 64-bit plugins are supported"
                                                           : "unknown ELF class");
  }
  if (ident[EI_DATA] != ELFDATA2LSB) throw std::runtime_error("big-endian ELF file: only little-endian is supported");

  const auto eh = bytes.read<Elf64_Ehdr>(0, "ELF header");
  ElfFile out;
  out.type = eh.e_type;
  out.machine = eh.e_machine;
  if (eh.e_shoff == 0 || eh.e_shnum == 0) return out; // no section headers: nothing more to read
  if (eh.e_shentsize != sizeof(Elf64_Shdr)) throw std::runtime_error("malformed ELF file (bad e_shentsize)");

  std::vector<Elf64_Shdr> sections;
  for (uint16_t i = 0; i < eh.e_shnum; ++i) {
    sections.push_back(bytes.read<Elf64_Shdr>(eh.e_shoff + uint64_t{i} * sizeof(Elf64_Shdr), "section header"));
  }
  auto linked_strtab = [&](const Elf64_Shdr &s) -> const Elf64_Shdr & {
    if (s.sh_link >= sections.size()) throw std::runtime_error("malformed ELF file (bad sh_link)");
    return sections[s.sh_link];
  };

  for (const Elf64_Shdr &s : sections) {
    if (s.sh_type == SHT_DYNAMIC) {
      out.has_dynamic = true;
      const Elf64_Shdr &strtab = linked_strtab(s);
      for (uint64_t off = 0; off + sizeof(Elf64_Dyn) <= s.sh_size; off += sizeof(Elf64_Dyn)) {
        const auto d = bytes.read<Elf64_Dyn>(s.sh_offset + off, "dynamic entry");
        if (d.d_tag == DT_NULL) break;
        if (d.d_tag == DT_NEEDED) out.needed.push_back(bytes.string_at(strtab.sh_offset, strtab.sh_size, d.d_un.d_val));
      }
    } else if (s.sh_type == SHT_DYNSYM) {
      const Elf64_Shdr &strtab = linked_strtab(s);
      for (uint64_t off = sizeof(Elf64_Sym); off + sizeof(Elf64_Sym) <= s.sh_size; off += sizeof(Elf64_Sym)) {
        const auto sym = bytes.read<Elf64_Sym>(s.sh_offset + off, "dynamic symbol");
        const unsigned binding = ELF64_ST_BIND(sym.st_info);
        const unsigned visibility = ELF64_ST_VISIBILITY(sym.st_other);
        if (sym.st_shndx == SHN_UNDEF) continue;
        if (binding != STB_GLOBAL && binding != STB_WEAK && binding != STB_GNU_UNIQUE) continue;
        if (visibility != STV_DEFAULT && visibility != STV_PROTECTED) continue;
        out.exported.push_back({bytes.string_at(strtab.sh_offset, strtab.sh_size, sym.st_name),
                                static_cast<unsigned>(ELF64_ST_TYPE(sym.st_info)), binding});
      }
    } else if (s.sh_type == SHT_GNU_verneed) {
      const Elf64_Shdr &strtab = linked_strtab(s);
      uint64_t off = s.sh_offset;
      for (uint64_t n = 0; n < s.sh_info; ++n) {
        const auto vn = bytes.read<Elf64_Verneed>(off, "verneed");
        const std::string library = bytes.string_at(strtab.sh_offset, strtab.sh_size, vn.vn_file);
        uint64_t aoff = off + vn.vn_aux;
        for (uint16_t a = 0; a < vn.vn_cnt; ++a) {
          const auto aux = bytes.read<Elf64_Vernaux>(aoff, "vernaux");
          out.needed_versions.push_back({library, bytes.string_at(strtab.sh_offset, strtab.sh_size, aux.vna_name)});
          if (aux.vna_next == 0) break;
          aoff += aux.vna_next;
        }
        if (vn.vn_next == 0) break;
        off += vn.vn_next;
      }
    } else if (s.sh_type == SHT_GNU_verdef) {
      const Elf64_Shdr &strtab = linked_strtab(s);
      uint64_t off = s.sh_offset;
      for (uint64_t n = 0; n < s.sh_info; ++n) {
        const auto vd = bytes.read<Elf64_Verdef>(off, "verdef");
        if (vd.vd_cnt > 0 && (vd.vd_flags & VER_FLG_BASE) == 0) {
          const auto aux = bytes.read<Elf64_Verdaux>(off + vd.vd_aux, "verdaux");
          out.defined_versions.push_back(bytes.string_at(strtab.sh_offset, strtab.sh_size, aux.vda_name));
        }
        if (vd.vd_next == 0) break;
        off += vd.vd_next;
      }
    }
  }
  return out;
}

uint16_t host_machine() noexcept {
#if defined(__x86_64__)
  return EM_X86_64;
#elif defined(__aarch64__)
  return EM_AARCH64;
#elif defined(__riscv)
  return EM_RISCV;
#elif defined(__powerpc64__)
  return EM_PPC64;
#elif defined(__s390x__)
  return EM_S390;
#else
  return EM_NONE;
#endif
}

std::string machine_name(uint16_t machine) {
  switch (machine) {
  case EM_X86_64:
    return "x86-64";
  case EM_AARCH64:
    return "AArch64";
  case EM_386:
    return "i386";
  case EM_ARM:
    return "ARM";
  case EM_RISCV:
    return "RISC-V";
  case EM_PPC64:
    return "PowerPC64";
  case EM_S390:
    return "s390x";
  default:
    return "machine " + std::to_string(machine);
  }
}

} // namespace hodei::plugin_check
