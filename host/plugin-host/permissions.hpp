// The file-permission rule for plugin libraries, shared by the registry and `hodei-worker plugins check`.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace hodei::plugins {

// Checks that nobody but root or the current user can change the code `plugin_file` would load:
//   - the file and its folder are not writable by group or others, and are owned by root or the current user;
//   - for a symlink, the same holds for its resolved target and the target's folder (and for the link's folder).
// Returns nullopt when loading is safe, else the refusal reason (without the file name, like Refusal::reason), which
// names the offending path and ends with the fix, e.g.
//   "its folder /opt/p is writable by others (mode 0777); refusing to load: fix with chmod go-w /opt/p, or pass
//    --allow-insecure-plugins for development"
[[nodiscard]] std::optional<std::string> check_permissions(const std::filesystem::path &plugin_file);

} // namespace hodei::plugins
