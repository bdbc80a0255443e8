// `hodei-worker plugins list [--json]`: what was loaded, and what was refused and why.
#pragma once

#include <CLI/CLI.hpp>

#include "global_options.hpp"

namespace hodei::cli {

void add_plugins_command(CLI::App &app, const GlobalOptions &global, int &exit_code);

} // namespace hodei::cli
