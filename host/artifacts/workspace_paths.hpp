// Paths a job names inside its workspace (artifact destinations, output globs) must stay inside it: no absolute
// paths, no "..", and no symlink that leads out.
#pragma once

#include <filesystem>
#include <string>

namespace hodei::artifacts {

// The absolute path of `relative` inside `workspace`. Throws std::invalid_argument naming the problem when it is
// absolute, contains "..", or when an existing component is a symlink resolving outside the workspace.
std::filesystem::path resolve_inside(const std::filesystem::path &workspace, const std::string &relative);

// True when `path` (resolved through symlinks) lies inside `workspace` (resolved).
bool is_inside(const std::filesystem::path &workspace, const std::filesystem::path &path);

} // namespace hodei::artifacts
