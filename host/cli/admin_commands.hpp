// `hodei-worker status`, `drain` and `reload`: clients of a running `serve`'s admin socket (host/admin).
#pragma once

#include "global_options.hpp"

#include <CLI/CLI.hpp>
#include <filesystem>

namespace hodei::cli {

// admin.socket, else <worker.data_dir>/admin.sock (data_dir as `serve` resolves it).
std::filesystem::path admin_socket_path(const config::WorkerConfig &config);

void add_admin_commands(CLI::App &app, const GlobalOptions &global, int &exit_code);

} // namespace hodei::cli
