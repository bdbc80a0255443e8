// hodei-worker: the Hodei Pipelines worker agent.
#include "admin_commands.hpp"
#include "artifacts_command.hpp"
#include "config_command.hpp"
#include "exit_codes.hpp"
#include "global_options.hpp"
#include "logging.hpp"
#include "plugins_command.hpp"
#include "run_command.hpp"
#include "serve_command.hpp"
#include "version.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

int main(int argc, char **argv) {
  using namespace hodei::cli;
  CLI::App app{"hodei-worker: runs Hodei Pipelines jobs through executor plugins", "hodei-worker"};
  app.set_version_flag("--version", std::string("hodei-worker ") + version);
  app.require_subcommand(1);

  GlobalOptions global;
  app.add_option("--plugin-dir", global.plugin_dirs, "Plugin folder (repeatable; replaces the default folder)");
  app.add_flag("--allow-insecure-plugins", global.allow_insecure_plugins,
               "Development only: load plugins from files or folders writable by group/others");
  app.add_option("--config", global.config_file, "Worker config file (JSON with comments; docs/configuration.md)")
      ->check(CLI::ExistingFile);
  CLI::Option *level = app.add_option("--log-level", global.log_level, "trace, debug, info, warn, error, critical, off")
                           ->capture_default_str();
  CLI::Option *format = app.add_option("--log-format", global.log_format, "text or json")
                            ->check(CLI::IsMember({"text", "json"}))
                            ->capture_default_str();

  int exit_code = exit_success;
  RunCommandOptions run_options;
  add_run_command(app, global, run_options, exit_code);
  ServeCommandOptions serve_options;
  add_serve_command(app, global, serve_options, exit_code);
  add_plugins_command(app, global, exit_code);
  add_config_command(app, exit_code);
  add_artifacts_command(app, global, exit_code);
  add_admin_commands(app, global, exit_code);
  app.parse_complete_callback([&global, level, format] {
    global.log_level_flag = level->count() > 0;
    global.log_format_flag = format->count() > 0;
    global.plugin_dirs_flag = !global.plugin_dirs.empty();
    apply_config_file(global);
    setup_logging(global.log_level, global.log_format == "json" ? LogFormat::json : LogFormat::text);
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    const int code = app.exit(e);
    return code == 0 ? exit_success : exit_usage;
  } catch (const hodei::config::ConfigError &e) {
    fmt::print(stderr, "hodei-worker: error: {}\n", e.what());
    return exit_usage;
  } catch (const std::invalid_argument &e) {
    fmt::print(stderr, "hodei-worker: error: {}\n", e.what());
    return exit_usage;
  } catch (const std::exception &e) {
    fmt::print(stderr, "hodei-worker: error: {}\n", e.what());
    return exit_infrastructure;
  }
  return exit_code;
}
