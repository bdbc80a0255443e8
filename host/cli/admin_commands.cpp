#include "admin_commands.hpp"

#include "admin/admin_client.hpp"
#include "admin/status_report.hpp"
#include "exit_codes.hpp"

#include <fmt/format.h>
#include <memory>
#include <thread>

namespace hodei::cli {

namespace {

using namespace std::chrono_literals;

struct AdminCommandOptions {
  std::string socket;      // --socket
  std::string config_file; // --config (here, or the global one)
  bool json = false;
  bool wait = false;
};

void print_error(const std::string &message) { fmt::print(stderr, "hodei-worker: error: {}\n", message); }

std::filesystem::path resolve_socket(const GlobalOptions &global, const AdminCommandOptions &options) {
  if (!options.socket.empty()) return options.socket;
  if (!options.config_file.empty()) return admin_socket_path(config::load_worker_config(options.config_file));
  return admin_socket_path(global.config);
}

void add_socket_options(CLI::App &command, AdminCommandOptions &options) {
  command.add_option("--socket", options.socket,
                     "The worker's admin socket (default: admin.socket from the config, "
                     "else <data_dir>/admin.sock)");
  command.add_option("--config", options.config_file, "Read admin.socket / worker.data_dir from this config file")
      ->check(CLI::ExistingFile);
}

// Runs `body` with the resolved socket path, turning the usual failures into a message and an exit code.
int with_socket(const GlobalOptions &global, const AdminCommandOptions &options,
                const std::function<int(const std::filesystem::path &)> &body) {
  try {
    return body(resolve_socket(global, options));
  } catch (const config::ConfigError &e) {
    print_error(e.what());
    return exit_usage;
  } catch (const std::exception &e) {
    print_error(e.what());
    return exit_infrastructure;
  }
}

// The reply's error as an exit code (0 when ok).
int check_reply(const nlohmann::json &reply) {
  if (reply.value("ok", false)) return exit_success;
  print_error("the worker answered: " + reply.value("error", std::string("(no reason given)")));
  return exit_infrastructure;
}

int status_command(const GlobalOptions &global, const AdminCommandOptions &options) {
  return with_socket(global, options, [&](const std::filesystem::path &socket) -> int {
    nlohmann::json reply = admin::request(socket, "status");
    if (const int rc = check_reply(reply); rc != exit_success) return rc;
    reply.erase("ok");
    if (options.json) {
      fmt::print("{}\n", reply.dump(2));
    } else {
      fmt::print("{}", admin::status_text(reply));
    }
    return exit_success;
  });
}

// Follows a draining worker until its admin socket stops answering (the worker exited).
int follow_drain(const std::filesystem::path &socket) {
  int64_t last_running = -1;
  for (;;) {
    nlohmann::json status;
    try {
      status = admin::request(socket, "status", 5s);
    } catch (const admin::SocketError &e) {
      if (e.code() == ENOENT || e.code() == ECONNREFUSED) {
        fmt::print("the worker has drained and exited\n");
        return exit_success;
      }
      throw;
    }
    const auto running = static_cast<int64_t>(status.value("jobs", nlohmann::json::array()).size());
    if (running != last_running) {
      fmt::print("draining: {} job(s) held\n", running);
      std::fflush(stdout);
      last_running = running;
    }
    std::this_thread::sleep_for(500ms);
  }
}

int drain_command(const GlobalOptions &global, const AdminCommandOptions &options) {
  return with_socket(global, options, [&](const std::filesystem::path &socket) -> int {
    const nlohmann::json reply = admin::request(socket, "drain");
    if (const int rc = check_reply(reply); rc != exit_success) return rc;
    fmt::print("draining: no new jobs; {} job(s) held\n", reply.value("jobs", 0));
    std::fflush(stdout);
    return options.wait ? follow_drain(socket) : exit_success;
  });
}

int reload_command(const GlobalOptions &global, const AdminCommandOptions &options) {
  return with_socket(global, options, [&](const std::filesystem::path &socket) -> int {
    const nlohmann::json reply = admin::request(socket, "reload");
    if (const int rc = check_reply(reply); rc != exit_success) return rc;
    if (options.json) {
      fmt::print("{}\n", reply.dump(2));
      return reply.value("applied", false) ? exit_success : exit_usage;
    }
    if (!reply.value("applied", false)) {
      print_error("the worker kept its config: " + reply.value("error", std::string()));
      return exit_usage;
    }
    auto list = [](const nlohmann::json &keys) {
      std::string out;
      for (const auto &k : keys) out += (out.empty() ? "" : ", ") + k.get<std::string>();
      return out.empty() ? std::string("none") : out;
    };
    fmt::print("applied: {}\nneeds a restart: {}\nnew plugins: {}\n", list(reply["changed"]),
               list(reply["needs_restart"]), list(reply["plugins_loaded"]));
    return exit_success;
  });
}

} // namespace

std::filesystem::path admin_socket_path(const config::WorkerConfig &config) {
  if (!config.admin.socket.empty()) return config.admin.socket;
  const std::filesystem::path data_dir =
      config.worker.data_dir.empty() ? default_service_data_dir() : config.worker.data_dir;
  return data_dir / "admin.sock";
}

void add_admin_commands(CLI::App &app, const GlobalOptions &global, int &exit_code) {
  auto status_options = std::make_shared<AdminCommandOptions>();
  CLI::App *status = app.add_subcommand("status", "Show a running worker's connection, jobs, plugins and cache");
  add_socket_options(*status, *status_options);
  status->add_flag("--json", status_options->json, "Print the status as JSON");
  status->callback([&global, &exit_code, status_options] { exit_code = status_command(global, *status_options); });

  auto drain_options = std::make_shared<AdminCommandOptions>();
  CLI::App *drain =
      app.add_subcommand("drain", "Ask a running worker to drain: no new jobs, running ones finish, then it exits");
  add_socket_options(*drain, *drain_options);
  drain->add_flag("--wait", drain_options->wait, "Follow the drain until the worker has exited");
  drain->callback([&global, &exit_code, drain_options] { exit_code = drain_command(global, *drain_options); });

  auto reload_options = std::make_shared<AdminCommandOptions>();
  CLI::App *reload =
      app.add_subcommand("reload", "Ask a running worker to re-read its config and rescan its plugins (as SIGHUP)");
  add_socket_options(*reload, *reload_options);
  reload->add_flag("--json", reload_options->json, "Print the outcome as JSON");
  reload->callback([&global, &exit_code, reload_options] { exit_code = reload_command(global, *reload_options); });
}

} // namespace hodei::cli
