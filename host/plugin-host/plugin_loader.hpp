// Opening one plugin library: dlopen (Boost.DLL), the entry symbol, and the checks of the entry struct that every
// host can make whatever the plugin's ABI (magic, frozen-prefix versions, struct_size, non-NULL functions).
#pragma once

#include <filesystem>
#include <hodei/abi.h>
#include <memory>
#include <string>

namespace hodei::plugins {

// Keeps `object` alive until the process ends: it is never destroyed, not even by exit(). Thread-safe.
void retain_for_process_lifetime(std::shared_ptr<const void> object);

// A loaded plugin library whose entry struct passed the prefix checks.
class PluginLibrary {
public:
  struct Impl;
  PluginLibrary(std::unique_ptr<Impl> impl, const hodei_plugin *entry) noexcept;
  // Unloads the library, unless retain_forever() was called. Only for libraries whose init was never called.
  ~PluginLibrary();
  PluginLibrary(const PluginLibrary &) = delete;
  PluginLibrary &operator=(const PluginLibrary &) = delete;

  [[nodiscard]] const hodei_plugin &entry() const noexcept { return *entry_; }
  // Call before init: from then on the library stays loaded until the process ends (see plugin_loader.cpp).
  void retain_forever();

private:
  std::unique_ptr<Impl> impl_;
  const hodei_plugin *entry_;
};

// Exactly one of the two is set. `refusal` is the reason, without the file name (Refusal::reason).
struct OpenedPlugin {
  std::unique_ptr<PluginLibrary> library;
  std::string refusal;
};

// Loads `file` with RTLD_NOW | RTLD_LOCAL, finds the function `hodei_plugin_entry`, calls it and checks the entry
// struct: magic, ABI major equal, required minor <= the host's, struct_size >= ABI 1.0's, init/deinit/get_interface
// non-NULL. The descriptor is NOT checked here (descriptor_validation.hpp).
[[nodiscard]] OpenedPlugin open_plugin(const std::filesystem::path &file);

} // namespace hodei::plugins
