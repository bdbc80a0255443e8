#include "serve_command.hpp"

#include "admin_commands.hpp"
#include "agent/agent.hpp"
#include "agent/channel.hpp"
#include "allocator/allocator_policy.hpp"
#include "artifacts_command.hpp"
#include "exit_codes.hpp"
#include "logging.hpp"
#include "plugin-host/plugin_registry.hpp"
#include "serve_admin.hpp"
#include "serve_metrics.hpp"
#include "serve_reload.hpp"
#include "signal_watcher.hpp"
#include "systemd_notify.hpp"
#include "version.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace hodei::cli {

namespace {

void print_error(const std::string &message) { fmt::print(stderr, "hodei-worker: error: {}\n", message); }

// A function that sends the systemd watchdog ping at half the watchdog interval; nothing without a watchdog.
std::function<void()> watchdog_pinger() {
  const std::chrono::microseconds interval = systemd::watchdog_interval();
  if (interval.count() == 0) return {};
  auto next = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  return [interval, next] {
    const auto now = std::chrono::steady_clock::now();
    if (now < *next) return;
    *next = now + interval / 2;
    systemd::notify_watchdog();
  };
}

} // namespace

void add_serve_command(CLI::App &app, const GlobalOptions &global, ServeCommandOptions &options, int &exit_code) {
  CLI::App *serve = app.add_subcommand("serve", "Connect to a Hodei server and run the jobs it assigns, until drained");
  serve->add_option("--server", options.server, "Server address host:port (server.address)");
  serve->add_option("--token-file", options.token_file, "File holding the bearer token (server.token_file)");
  serve->add_flag("--plaintext", options.plaintext, "Talk to the server without TLS (server.plaintext)");
  serve->add_option("--max-jobs", options.max_jobs, "Jobs run at once (worker.max_concurrent_jobs)")
      ->check(CLI::Range(1, 1024));
  serve->add_option("--data-dir", options.data_dir, "Workspaces, log spool and worker id (worker.data_dir)");
  serve->add_option("--name", options.name, "Worker name shown by the server (worker.name)");
  serve->callback([&global, &options, &exit_code] { exit_code = serve_command(global, options); });
}

int serve_command(const GlobalOptions &global, const ServeCommandOptions &options) {
  // `serve` is a daemon: without an explicit level its log says what it does (info), unlike the one-shot commands.
  if (!global.log_level_flag && global.config_file.empty()) {
    setup_logging("info", global.log_format == "json" ? LogFormat::json : LogFormat::text);
  }
  config::WorkerConfig config = serve_effective_config(global.config, global, options); // also on every reload
  allocator::tune_for_streaming(); // before the threads start: allocator/allocator_policy.hpp

  const std::vector<std::string> problems = config::check_worker_config_for_serve(config);
  if (!problems.empty()) {
    for (const std::string &p : problems) print_error("cannot serve: " + p);
    if (!config.server.plaintext && !config.server.tls.enabled) {
      print_error("(server.plaintext: true or --plaintext talks without TLS; only do that on a trusted network)");
    }
    return exit_usage;
  }

  agent::AgentOptions agent_options;
  agent_options.config = config;
  agent_options.worker_name = config.worker.name.empty() ? host_name() : config.worker.name;
  agent_options.data_dir = config.worker.data_dir.empty() ? default_service_data_dir() : config.worker.data_dir;
  config.worker.data_dir = agent_options.data_dir; // plugins and the artifact cache see the same folder
  agent_options.worker_version = version;
  try {
    agent_options.token =
        config.server.token_file.empty() ? config.server.token : agent::read_token_file(config.server.token_file);
  } catch (const std::exception &e) {
    print_error(std::string("cannot serve: ") + e.what());
    return exit_usage;
  }
  if (config.server.plaintext && !agent_options.token.empty()) {
    spdlog::warn("server.plaintext: the bearer token and job secrets travel unencrypted");
  }

  std::unique_ptr<plugins::PluginRegistry> registry;
  try {
    GlobalOptions effective = global;
    effective.config = config;
    registry = make_registry(effective);
  } catch (const std::exception &e) {
    print_error(e.what());
    return exit_infrastructure;
  }
  if (registry->executor_names().empty()) {
    print_error("cannot serve: no executor plugin is loaded (check --plugin-dir / plugins.dirs)");
    return exit_infrastructure;
  }

  ServeMetrics served_metrics; // before the agent: destroyed after it
  try {
    served_metrics = start_serve_metrics(config.metrics.listen, *registry);
  } catch (const std::invalid_argument &e) {
    print_error(std::string("cannot serve: ") + e.what());
    return exit_usage;
  } catch (const std::exception &e) {
    print_error(std::string("cannot serve: ") + e.what());
    return exit_infrastructure;
  }

  std::unique_ptr<artifacts::ArtifactCache> cache;
  std::unique_ptr<artifacts::ArtifactManager> artifact_manager;
  std::unique_ptr<agent::Agent> worker;
  try {
    GlobalOptions effective = global;
    effective.config = config;
    std::tie(cache, artifact_manager) = make_artifact_manager(effective, *registry);
    agent_options.artifacts = artifact_manager.get();
    agent_options.metrics = served_metrics.metrics.get();
    agent_options.on_idle = [] { allocator::release_free_memory(); };
    agent_options.on_housekeeping_tick =
        publishing_artifact_totals(watchdog_pinger(), served_metrics.metrics.get(), *cache, *artifact_manager);
    worker = std::make_unique<agent::Agent>(agent_options, *registry);
  } catch (const std::exception &e) {
    print_error(std::string("cannot serve: ") + e.what());
    return exit_usage;
  }
  std::signal(SIGPIPE, SIG_IGN); // NOLINT: a closed connection must not kill the worker
  ServeReloader reloader(global, options, config, *registry, *worker);
  if (metrics::WorkerMetrics *metrics = served_metrics.metrics.get()) {
    reloader.on_rescanned([metrics, &registry](size_t refused) {
      metrics->plugin_load_failures(refused);
      metrics->declare_executors(registry->executor_names());
    });
  }
  std::unique_ptr<admin::AdminServer> admin_server;
  try {
    admin_server = start_admin_server(admin_socket_path(config),
                                      {*worker, *registry, cache.get(), reloader, [] { systemd::notify_stopping(); }});
  } catch (const admin::SocketError &e) {
    if (e.code() == EADDRINUSE) { // another worker serves from this data folder: two must never share it
      print_error(std::string("cannot serve: admin socket: ") + e.what());
      return exit_infrastructure;
    }
    spdlog::error("admin socket disabled: {} (status, drain and reload through it are unavailable; SIGTERM and "
                  "SIGHUP still work)",
                  e.what());
  }
  SignalWatcher signals([&worker](int signo, int count) {
    const std::string name = signo == SIGINT ? "SIGINT" : "SIGTERM";
    if (count == 1) {
      systemd::notify_stopping();
      worker->request_drain("received " + name + "; again to cancel the running jobs");
    } else {
      worker->request_stop_now("received " + name + " twice");
    }
  });
  signals.on_hangup([&reloader] { reloader.reload_in_background("SIGHUP"); });
  systemd::notify_ready(); // the agent reconnects forever: readiness must not wait for the server
  return worker->run();
}

} // namespace hodei::cli
