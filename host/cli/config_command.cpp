#include "config_command.hpp"

#include "config/worker_config.hpp"
#include "exit_codes.hpp"
#include "serve_metrics.hpp"

#include <fmt/format.h>
#include <memory>

namespace hodei::cli {

void add_config_command(CLI::App &app, int &exit_code) {
  CLI::App *config_cmd = app.add_subcommand("config", "Work with the worker config file");
  config_cmd->require_subcommand(1);
  CLI::App *check = config_cmd->add_subcommand("check", "Validate a config file; exits 0 when it is fine, 2 if not");
  auto file = std::make_shared<std::string>();
  check->add_option("file", *file, "Config file")->required();
  check->callback([file, &exit_code] {
    try {
      const config::WorkerConfig cfg = config::load_worker_config(*file);
      std::vector<std::string> problems = config::check_worker_config_for_serve(cfg);
      if (std::string p = metrics_listen_problem(cfg.metrics.listen); !p.empty()) problems.push_back(std::move(p));
      for (const std::string &p : problems) fmt::print(stderr, "{}: {}\n", *file, p);
      if (problems.empty()) fmt::print("{}: ok\n", *file);
      exit_code = problems.empty() ? exit_success : exit_usage;
    } catch (const config::ConfigError &e) {
      fmt::print(stderr, "{}\n", e.what());
      exit_code = exit_usage;
    }
  });
}

} // namespace hodei::cli
