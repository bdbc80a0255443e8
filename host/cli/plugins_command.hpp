// `hodei-worker plugins list [--json]`: what was loaded, and what was refused and why.
#pragma once

#include "global_options.hpp"

#include <CLI/CLI.hpp>

namespace hodei::cli {

void add_plugins_command(CLI::App &app, const GlobalOptions &global, int &exit_code);

} // namespace hodei::cli
