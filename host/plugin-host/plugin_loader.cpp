#include "plugin_loader.hpp"

#include <boost/dll/shared_library.hpp>
#include <cinttypes>
#include <cstdio>
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <mutex>
#include <utility>
#include <vector>

namespace hodei::plugins {

namespace {

// Why loaded plugin libraries are never dlclose()d:
//   - after deinit a plugin may still have code referenced from elsewhere in the process: threads it failed to
//     join, thread_local/atexit destructors registered by its C++ runtime, callbacks it registered with libraries
//     the host also uses. Unloading would turn each of those into a jump to unmapped memory, usually at exit.
//   - a handle or a RunningJob may be released after the registry, on another thread; keeping the code mapped
//     makes that order harmless.
//   - dlclose() is not reliable anyway (a library with STB_GNU_UNIQUE symbols is never unloaded by glibc).
// So every library whose init was called is kept here, and the list itself is leaked on purpose: destroying it
// during static destruction at exit would dlclose() libraries while other static destructors may still use them.
std::mutex &retained_mutex() {
  static auto *mutex = new std::mutex();
  return *mutex;
}
std::vector<std::shared_ptr<const void>> &retained_objects() {
  static auto *objects = new std::vector<std::shared_ptr<const void>>();
  return *objects;
}

// Boost 1.74 only puts dlerror() into the exception of the throwing load():
//   "boost::dll::shared_library::load() failed (dlerror system message: <text>): Bad file descriptor"
std::string dlerror_text(const std::string &what) {
  const std::string key = "(dlerror system message: ";
  const size_t begin = what.find(key);
  if (begin == std::string::npos) return what;
  const size_t text = begin + key.size();
  const size_t end = what.rfind("): ");
  return end == std::string::npos || end < text ? what.substr(text) : what.substr(text, end - text);
}

// True when `address` is a function symbol (not data) in its library's dynamic symbol table.
bool is_function_symbol(const void *address) {
  Dl_info info{};
  void *extra = nullptr;
  if (::dladdr1(address, &info, &extra, RTLD_DL_SYMENT) == 0 || extra == nullptr) {
    return true; // cannot tell: let the call decide
  }
  const auto *symbol = static_cast<const ElfW(Sym) *>(extra);
  const unsigned type = ELF64_ST_TYPE(symbol->st_info); // the same bits as ELF32_ST_TYPE
  return type == STT_FUNC || type == STT_GNU_IFUNC;
}

OpenedPlugin refuse(std::string why) { return {nullptr, std::move(why)}; }

std::string host_abi() { return std::to_string(HODEI_ABI_MAJOR) + "." + std::to_string(HODEI_ABI_MINOR); }

} // namespace

struct PluginLibrary::Impl {
  boost::dll::shared_library library;
};

PluginLibrary::PluginLibrary(std::unique_ptr<Impl> impl, const hodei_plugin *entry) noexcept
    : impl_(std::move(impl)), entry_(entry) {}

PluginLibrary::~PluginLibrary() = default;

void PluginLibrary::retain_forever() {
  if (impl_) retain_for_process_lifetime(std::shared_ptr<const Impl>(std::move(impl_)));
}

void retain_for_process_lifetime(std::shared_ptr<const void> object) {
  const std::lock_guard<std::mutex> lock(retained_mutex());
  retained_objects().push_back(std::move(object));
}

OpenedPlugin open_plugin(const std::filesystem::path &file) {
  namespace dll = boost::dll;
  auto impl = std::make_unique<PluginLibrary::Impl>();
  try {
    // The throwing overload: in Boost 1.74 it is the only one whose error carries dlerror() (unresolved symbols).
    impl->library.load(dll::fs::path(file.native()), dll::load_mode::rtld_now | dll::load_mode::rtld_local);
  } catch (const std::exception &e) {
    return refuse("cannot load the library: " + dlerror_text(e.what()));
  }

  if (!impl->library.has(HODEI_PLUGIN_ENTRY_SYMBOL)) {
    return refuse("not a Hodei plugin: it does not export the function " HODEI_PLUGIN_ENTRY_SYMBOL);
  }
  // get<Signature> returns the function itself; get<hodei_plugin_entry_fn> would read the code as a pointer.
  auto &entry_fn = impl->library.get<const hodei_plugin *()>(HODEI_PLUGIN_ENTRY_SYMBOL);
  if (!is_function_symbol(reinterpret_cast<const void *>(&entry_fn))) {
    return refuse("not a Hodei plugin: " HODEI_PLUGIN_ENTRY_SYMBOL " is a data symbol, not a function");
  }

  const hodei_plugin *entry = entry_fn();
  if (entry == nullptr) return refuse(HODEI_PLUGIN_ENTRY_SYMBOL "() returned NULL");

  if (entry->magic != HODEI_PLUGIN_MAGIC) {
    char magic[32];
    std::snprintf(magic, sizeof magic, "0x%016" PRIX64, entry->magic);
    return refuse(std::string("not a Hodei plugin: bad magic ") + magic +
                  " in the struct returned by " HODEI_PLUGIN_ENTRY_SYMBOL
                  "() (expected 0x474C504945444F48, \"HODEIPLG\")");
  }
  const std::string wanted = std::to_string(entry->abi_major) + "." + std::to_string(entry->abi_minor);
  if (entry->abi_major != HODEI_ABI_MAJOR) {
    return refuse("plugin requires ABI " + std::to_string(entry->abi_major) + ".x, this host provides " + host_abi() +
                  "; use a build of the plugin for ABI " + std::to_string(HODEI_ABI_MAJOR) + ".x");
  }
  if (entry->abi_minor > HODEI_ABI_MINOR) {
    return refuse("plugin requires ABI " + wanted + ", this host provides " + host_abi() +
                  "; upgrade hodei-worker or use a build of the plugin for ABI " + host_abi());
  }
  if (entry->struct_size < HODEI_PLUGIN_V1_0_SIZE) {
    return refuse("truncated entry struct: hodei_plugin.struct_size is " + std::to_string(entry->struct_size) +
                  " bytes, ABI 1.0 needs at least " + std::to_string(HODEI_PLUGIN_V1_0_SIZE) +
                  " (plugin declares ABI " + wanted + ", this host provides " + host_abi() + ")");
  }
  const char *missing = entry->init == nullptr            ? "init"
                        : entry->deinit == nullptr        ? "deinit"
                        : entry->get_interface == nullptr ? "get_interface"
                                                          : nullptr;
  if (missing != nullptr) {
    return refuse(std::string("invalid entry struct: hodei_plugin.") + missing + " is NULL");
  }
  OpenedPlugin opened;
  opened.library = std::make_unique<PluginLibrary>(std::move(impl), entry);
  return opened;
}

} // namespace hodei::plugins
