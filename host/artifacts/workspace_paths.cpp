#include "workspace_paths.hpp"

#include <stdexcept>

namespace hodei::artifacts {

namespace fs = std::filesystem;

bool is_inside(const fs::path &workspace, const fs::path &path) {
  const fs::path root = fs::weakly_canonical(workspace);
  const fs::path resolved = fs::weakly_canonical(path);
  auto r = root.begin();
  auto p = resolved.begin();
  for (; r != root.end(); ++r, ++p) {
    if (p == resolved.end() || *r != *p) return false;
  }
  return true;
}

fs::path resolve_inside(const fs::path &workspace, const std::string &relative) {
  const fs::path rel(relative);
  if (relative.empty()) throw std::invalid_argument("empty path");
  if (rel.is_absolute())
    throw std::invalid_argument("'" + relative + "' is absolute; expected a path inside the workspace");
  for (const fs::path &part : rel) {
    if (part == "..")
      throw std::invalid_argument("'" + relative + "' contains '..'; expected a path inside the workspace");
  }
  fs::path full = workspace / rel;
  // weakly_canonical follows every symlink that exists, so a link planted by an earlier step that points out of
  // the workspace is caught here.
  if (!is_inside(workspace, full)) {
    throw std::invalid_argument("'" + relative + "' leads outside the workspace through a symbolic link");
  }
  return full;
}

} // namespace hodei::artifacts
