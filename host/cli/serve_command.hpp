// `hodei-worker serve`: connect to the control plane and run the jobs it assigns (host/agent), until drained.
#pragma once

#include "global_options.hpp"

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace hodei::cli {

// Command-line overrides of the config file's server and worker sections.
struct ServeCommandOptions {
  std::string server;               // server.address
  std::string token_file;           // server.token_file
  bool plaintext = false;           // server.plaintext
  std::optional<uint32_t> max_jobs; // worker.max_concurrent_jobs
  std::string data_dir;             // worker.data_dir
  std::string name;                 // worker.name
};

void add_serve_command(CLI::App &app, const GlobalOptions &global, ServeCommandOptions &options, int &exit_code);
int serve_command(const GlobalOptions &global, const ServeCommandOptions &options);

} // namespace hodei::cli
