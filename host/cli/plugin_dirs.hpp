// Where the worker looks for plugins when the command line and config name none.
#pragma once

#include <filesystem>
#include <vector>

namespace hodei::cli {

// <exe>/../lib/hodei/plugins: the same in a build tree and an installed package.
std::vector<std::filesystem::path> default_plugin_dirs();

} // namespace hodei::cli
