// `hodei-worker config check FILE`: validates a worker config file and names every bad key.
#pragma once

#include <CLI/CLI.hpp>

namespace hodei::cli {

void add_config_command(CLI::App &app, int &exit_code);

} // namespace hodei::cli
