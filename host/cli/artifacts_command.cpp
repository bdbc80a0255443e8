#include "artifacts_command.hpp"

#include "exit_codes.hpp"
#include "plugin-host/plugin_registry.hpp"

#include <fmt/format.h>

namespace hodei::cli {

std::pair<std::unique_ptr<artifacts::ArtifactCache>, std::unique_ptr<artifacts::ArtifactManager>>
make_artifact_manager(const GlobalOptions &global, plugins::PluginRegistry &registry) {
  const config::ArtifactsConfig &c = global.config.artifacts;
  auto cache = std::make_unique<artifacts::ArtifactCache>(effective_data_dir(global) / "cache", c.cache_quota_bytes);
  artifacts::ManagerOptions options;
  options.parallel_transfers = c.parallel_transfers;
  options.link_mode = c.link_mode == "copy" ? artifacts::LinkMode::copy : artifacts::LinkMode::hardlink;
  auto manager = std::make_unique<artifacts::ArtifactManager>(registry, *cache, options);
  return {std::move(cache), std::move(manager)};
}

namespace {

struct TransferArgs {
  std::string from;
  std::string to;
};

int transfer(const GlobalOptions &global, const TransferArgs &args, bool download) {
  try {
    const std::unique_ptr<plugins::PluginRegistry> registry = make_registry(global);
    const auto services = make_artifact_manager(global, *registry); // the cache, and the manager that uses it
    artifacts::ArtifactManager &manager = *services.second;
    const auto progress = [](const std::string &line) { fmt::print(stderr, "{}\n", line); };
    const artifacts::ArtifactRecord rec = download ? manager.download_file(args.from, args.to, progress, nullptr)
                                                   : manager.upload_file(args.from, args.to, progress, nullptr);
    fmt::print("{}  {}  {} bytes\n", rec.sha256, args.to, rec.size);
    return exit_success;
  } catch (const std::exception &e) {
    fmt::print(stderr, "hodei-worker: error: {}\n", e.what());
    return exit_infrastructure;
  }
}

} // namespace

void add_artifacts_command(CLI::App &app, const GlobalOptions &global, int &exit_code) {
  CLI::App *cmd = app.add_subcommand("artifacts", "Transfer one artifact through the backend plugins");
  cmd->require_subcommand(1);
  auto get_args = std::make_shared<TransferArgs>();
  CLI::App *get = cmd->add_subcommand("get", "Download URI into FILE (prints its SHA-256 and size)");
  get->add_option("uri", get_args->from, "Source URI, e.g. s3://bucket/key")->required();
  get->add_option("file", get_args->to, "Destination file")->required();
  get->callback([&global, &exit_code, get_args] { exit_code = transfer(global, *get_args, true); });
  auto put_args = std::make_shared<TransferArgs>();
  CLI::App *put = cmd->add_subcommand("put", "Upload FILE to URI (prints its SHA-256 and size)");
  put->add_option("file", put_args->from, "Source file")->required()->check(CLI::ExistingFile);
  put->add_option("uri", put_args->to, "Destination URI")->required();
  put->callback([&global, &exit_code, put_args] { exit_code = transfer(global, *put_args, false); });
}

} // namespace hodei::cli
