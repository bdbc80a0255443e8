// hodei-devserver: the reference control plane for Hodei workers (serve) and its operator CLI (submit, jobs,
// workers, show, cancel, logs, stats, drain). docs/protocol.md, "The devserver".
#include "allocator/allocator_policy.hpp"
#include "devserver/cli/commands.hpp"
#include "devserver/cli/duration.hpp"
#include "devserver/cli/exit_codes.hpp"
#include "devserver/cli/serve_command.hpp"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace {

using namespace hodei::devserver;

// --server/--token/--tls-* of every client subcommand. Defaults from HODEI_DEVSERVER_ADDR / HODEI_DEVSERVER_TOKEN.
struct ClientFlags {
  std::string server = "127.0.0.1:7070";
  std::string token;
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  bool tls = false;

  void add_to(CLI::App &command) {
    command.add_option("--server", server, "devserver address host:port")->envname("HODEI_DEVSERVER_ADDR");
    command.add_option("--token", token, "bearer token")->envname("HODEI_DEVSERVER_TOKEN");
    command.add_flag("--tls", tls, "use TLS (implied by the --tls-* options)");
    command.add_option("--tls-ca", tls_ca, "CA certificate (PEM) to verify the server with");
    command.add_option("--tls-cert", tls_cert, "client certificate (PEM) for mTLS");
    command.add_option("--tls-key", tls_key, "client private key (PEM) for mTLS");
  }

  [[nodiscard]] rpc::ClientOptions options() const {
    rpc::ClientOptions out;
    out.server = server;
    if (!token.empty()) out.token = token;
    if (tls || !tls_ca.empty() || !tls_cert.empty() || !tls_key.empty()) {
      rpc::ClientTlsFiles files;
      if (!tls_ca.empty()) files.ca = tls_ca;
      if (!tls_cert.empty()) files.cert = tls_cert;
      if (!tls_key.empty()) files.key = tls_key;
      out.tls = files;
    }
    return out;
  }
};

CLI::Validator duration_validator() {
  return CLI::Validator(
      [](std::string &text) {
        return cli::parse_duration(text) ? std::string() : "expected a duration: 500ms, 30s, 5m";
      },
      "DURATION");
}

} // namespace

int main(int argc, char **argv) {
  // Diagnostics go to stderr: stdout carries command output (and `serve`'s "listening <address>" line).
  spdlog::set_default_logger(spdlog::stderr_color_mt("hodei-devserver"));
  CLI::App app{"hodei-devserver: reference control plane for Hodei workers, and its CLI"};
  app.require_subcommand(1);
  app.set_version_flag("--version", devserver_version());
  int exit_code = cli::kExitOk;

  // serve
  DevServerOptions serve_options;
  std::string data_dir;
  std::string token;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  std::string lease_timeout = "30s";
  std::string log_sync = "fsync";
  std::string log_level = "info";
  CLI::App &serve = *app.add_subcommand("serve", "run the control plane");
  serve.add_option("--listen", serve_options.listen, "host:port to listen on (port 0: any free port)")
      ->capture_default_str();
  serve.add_option("--data-dir", data_dir, "folder for jobs, logs and workers")->required();
  serve.add_option("--token", token, "require 'authorization: Bearer <token>' on every call")
      ->envname("HODEI_DEVSERVER_TOKEN");
  serve.add_option("--tls-cert", tls_cert, "server certificate (PEM); with --tls-key enables TLS");
  serve.add_option("--tls-key", tls_key, "server private key (PEM)");
  serve.add_option("--tls-client-ca", tls_client_ca, "CA (PEM) client certificates must chain to (mTLS)");
  serve.add_option("--lease-timeout", lease_timeout, "jobs of a worker silent this long are marked lost")
      ->check(duration_validator())
      ->capture_default_str();
  serve
      .add_option("--log-sync", log_sync,
                  "fsync: log bytes are fdatasync'ed before they are acked; os: written "
                  "to the OS only (survives a devserver crash, not a power loss)")
      ->check(CLI::IsMember({"fsync", "os"}))
      ->capture_default_str();
  serve.add_option("--log-level", log_level, "trace, debug, info, warn, error")->capture_default_str();
  serve.callback([&] {
    spdlog::set_level(spdlog::level::from_str(log_level));
    serve_options.data_dir = data_dir;
    if (!token.empty()) serve_options.token = token;
    if (tls_cert.empty() != tls_key.empty()) throw CLI::ValidationError("--tls-cert and --tls-key go together");
    if (!tls_cert.empty()) {
      rpc::ServerTlsFiles files{tls_cert, tls_key, std::nullopt};
      if (!tls_client_ca.empty()) files.client_ca = tls_client_ca;
      serve_options.tls = files;
    } else if (!tls_client_ca.empty()) {
      throw CLI::ValidationError("--tls-client-ca needs --tls-cert and --tls-key");
    }
    serve_options.lease_timeout = *cli::parse_duration(lease_timeout);
    if (serve_options.lease_timeout < std::chrono::milliseconds(100)) {
      throw CLI::ValidationError("--lease-timeout must be at least 100ms");
    }
    serve_options.log_sync = log_sync == "os" ? LogSync::os : LogSync::fsync;
    hodei::allocator::tune_for_streaming(); // log chunks of up to 1 MiB: allocator/allocator_policy.hpp
    exit_code = cli::serve(serve_options);
  });

  // submit
  ClientFlags submit_flags;
  cli::SubmitArgs submit_args;
  std::string submit_file;
  std::vector<std::string> labels;
  CLI::App &submit = *app.add_subcommand("submit", "queue a job (JSON spec); --follow streams its logs and exits "
                                                   "with its outcome: 0 succeeded, 1 failed, 3 lost/error, "
                                                   "124 timed out, 130 cancelled");
  submit.add_option("spec", submit_file, "job spec file (JSON)")->required()->check(CLI::ExistingFile);
  submit.add_flag("--follow,-f", submit_args.follow, "stream the job's logs until it ends");
  submit.add_option("--label,-l", labels, "run only on workers with this label (key=value, repeatable)");
  submit_flags.add_to(submit);
  submit.callback([&] {
    submit_args.file = submit_file;
    for (const std::string &label : labels) {
      const auto eq = label.find('=');
      if (eq == std::string::npos || eq == 0) throw CLI::ValidationError("--label expects key=value, got " + label);
      submit_args.selector[label.substr(0, eq)] = label.substr(eq + 1);
    }
    exit_code = cli::submit(submit_flags.options(), submit_args);
  });

  // jobs, workers, stats
  ClientFlags jobs_flags;
  CLI::App &jobs = *app.add_subcommand("jobs", "list jobs");
  jobs_flags.add_to(jobs);
  jobs.callback([&] { exit_code = cli::list_jobs(jobs_flags.options()); });
  ClientFlags workers_flags;
  CLI::App &workers = *app.add_subcommand("workers", "list workers");
  workers_flags.add_to(workers);
  bool workers_json = false;
  workers.add_flag("--json", workers_json, "the full records (labels, plugins, host facts) as JSON");
  workers.callback([&] { exit_code = cli::list_workers(workers_flags.options(), workers_json); });
  ClientFlags stats_flags;
  CLI::App &stats = *app.add_subcommand("stats", "protocol error counters");
  stats_flags.add_to(stats);
  stats.callback([&] { exit_code = cli::show_stats(stats_flags.options()); });

  // show
  ClientFlags show_flags;
  std::string show_id;
  CLI::App &show = *app.add_subcommand("show", "one job in full (JSON)");
  show.add_option("id", show_id, "job id")->required();
  show_flags.add_to(show);
  show.callback([&] { exit_code = cli::show_job(show_flags.options(), show_id); });

  // cancel
  ClientFlags cancel_flags;
  std::string cancel_id;
  std::string cancel_reason;
  std::string cancel_grace;
  CLI::App &cancel = *app.add_subcommand("cancel", "cancel a job");
  cancel.add_option("id", cancel_id, "job id")->required();
  cancel.add_option("--reason", cancel_reason, "why (shown in the job's result)");
  cancel.add_option("--grace", cancel_grace, "SIGTERM -> SIGKILL delay (default: the job's cancel_grace)")
      ->check(duration_validator());
  cancel_flags.add_to(cancel);
  cancel.callback([&] {
    std::optional<uint64_t> grace;
    if (!cancel_grace.empty()) grace = static_cast<uint64_t>(cli::parse_duration(cancel_grace)->count());
    exit_code = cli::cancel_job(cancel_flags.options(), cancel_id, cancel_reason, grace);
  });

  // logs
  ClientFlags logs_flags;
  std::string logs_id;
  std::string logs_stream;
  bool logs_follow = false;
  CLI::App &logs = *app.add_subcommand("logs", "a job's logs (stdout to stdout, stderr and system to stderr)");
  logs.add_option("id", logs_id, "job id")->required();
  logs.add_option("--stream", logs_stream, "only this stream")->check(CLI::IsMember({"stdout", "stderr", "system"}));
  logs.add_flag("--follow,-f", logs_follow, "keep streaming until the job ends");
  logs_flags.add_to(logs);
  logs.callback([&] {
    exit_code = cli::show_logs(logs_flags.options(), logs_id,
                               logs_stream.empty() ? std::nullopt : log_stream_from_string(logs_stream), logs_follow);
  });

  // drain
  ClientFlags drain_flags;
  std::string drain_id;
  std::string drain_reason;
  CLI::App &drain = *app.add_subcommand("drain", "ask a worker to take no new job and deregister when idle");
  drain.add_option("worker", drain_id, "worker id")->required();
  drain.add_option("--reason", drain_reason, "why");
  drain_flags.add_to(drain);
  drain.callback([&] { exit_code = cli::drain_worker(drain_flags.options(), drain_id, drain_reason); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success &e) {
    return app.exit(e);
  } catch (const CLI::ParseError &e) {
    app.exit(e);
    return cli::kExitUsage;
  }
  return exit_code;
}
