// `hodei-worker artifacts get URI FILE | put FILE URI`: one transfer through the configured backend plugins, so an
// operator can test a backend's config; and the artifact manager shared with `run` and `serve`.
#pragma once

#include "artifacts/artifact_manager.hpp"
#include "global_options.hpp"

#include <CLI/CLI.hpp>
#include <memory>
#include <utility>

namespace hodei::cli {

// The cache (DATA_DIR/cache, quota and link mode from the config) and a manager over it.
std::pair<std::unique_ptr<artifacts::ArtifactCache>, std::unique_ptr<artifacts::ArtifactManager>>
make_artifact_manager(const GlobalOptions &global, plugins::PluginRegistry &registry);

void add_artifacts_command(CLI::App &app, const GlobalOptions &global, int &exit_code);

} // namespace hodei::cli
