#include "plugin_dirs.hpp"

#include <system_error>

namespace hodei::cli {

namespace fs = std::filesystem;

std::vector<fs::path> default_plugin_dirs() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {"/usr/lib/hodei/plugins"};
  const fs::path prefix = exe.parent_path().parent_path();
  for (const fs::path &candidate : {prefix / "plugins", prefix / "lib" / "hodei" / "plugins"}) {
    if (fs::is_directory(candidate, ec)) return {candidate};
  }
  return {prefix / "lib" / "hodei" / "plugins"};
}

} // namespace hodei::cli
