#include "plugin_dirs.hpp"

#include <system_error>

namespace hodei::cli {

namespace fs = std::filesystem;

std::vector<fs::path> default_plugin_dirs() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {"/usr/lib/hodei/plugins"};
  return {exe.parent_path().parent_path() / "lib" / "hodei" / "plugins"};
}

} // namespace hodei::cli
