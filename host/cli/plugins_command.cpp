#include "plugins_command.hpp"

#include "exit_codes.hpp"
#include "plugin-check/runner.hpp"
#include "plugin-host/plugin_registry.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace hodei::cli {

namespace {

std::vector<std::string> kind_names(uint32_t kinds) {
  std::vector<std::string> out;
  if ((kinds & 1u) != 0) out.emplace_back("executor");
  if ((kinds & 2u) != 0) out.emplace_back("artifact-backend");
  return out;
}

std::vector<std::string> capability_names(uint64_t caps) {
  static const std::pair<uint64_t, const char *> names[] = {
      {1ull << 0, "signal"}, {1ull << 1, "recover"}, {1ull << 2, "fingerprint"}, {1ull << 16, "list"}};
  std::vector<std::string> out;
  for (const auto &[bit, name] : names) {
    if ((caps & bit) != 0) out.emplace_back(name);
  }
  return out;
}

std::string join(const std::vector<std::string> &v) {
  std::string s;
  for (const std::string &x : v) s += (s.empty() ? "" : ",") + x;
  return s.empty() ? "-" : s;
}

void print_json(const plugins::PluginRegistry &registry) {
  nlohmann::json out = {{"plugins", nlohmann::json::array()}, {"refused", nlohmann::json::array()}};
  for (const plugins::PluginInfo &p : registry.plugins()) {
    out["plugins"].push_back({{"id", p.id},
                              {"name", p.name},
                              {"version", p.version},
                              {"abi", fmt::format("{}.{}", p.abi_major, p.abi_minor)},
                              {"kinds", kind_names(p.kinds)},
                              {"capabilities", capability_names(p.capabilities)},
                              {"uri_schemes", p.uri_schemes},
                              {"file", p.file}});
  }
  for (const plugins::Refusal &r : registry.refusals())
    out["refused"].push_back({{"file", r.file}, {"reason", r.reason}});
  fmt::print("{}\n", out.dump(2));
}

void print_text(const plugins::PluginRegistry &registry) {
  const std::vector<plugins::PluginInfo> loaded = registry.plugins();
  fmt::print("{:<32} {:<10} {:<24} {:<24} {}\n", "ID", "VERSION", "KINDS", "CAPABILITIES", "FILE");
  for (const plugins::PluginInfo &p : loaded) {
    fmt::print("{:<32} {:<10} {:<24} {:<24} {}\n", p.id, p.version, join(kind_names(p.kinds)),
               join(capability_names(p.capabilities)), p.file);
  }
  const std::vector<plugins::Refusal> refused = registry.refusals();
  if (!refused.empty()) {
    fmt::print("\nrefused:\n");
    for (const plugins::Refusal &r : refused) fmt::print("  {}\n    {}\n", r.file, r.reason);
  }
}

// Options of `plugins check` and of its hidden per-check child `plugins check-one`.
struct CheckCommandOptions {
  std::vector<std::string> files;
  bool json = false;
  int timeout_seconds = 60;
  std::string config_json;
  std::string base_uri;
  std::string executor_options;
  std::string s3_endpoint;
  std::string check;  // check-one only
  int result_fd = -1; // check-one only
};

void add_check_options(CLI::App &cmd, CheckCommandOptions &o) {
  cmd.add_option("--config-json", o.config_json,
                 "The plugin's config object (JSON), as the worker config would give it; default {} (file:// "
                 "backends: a temporary root)");
  cmd.add_option("--base-uri", o.base_uri,
                 "Artifact backends: where test objects go, e.g. s3://bucket/prefix/ (default: a temporary file:// "
                 "folder for backends of the file scheme)");
  cmd.add_option("--s3-endpoint", o.s3_endpoint,
                 "S3-compatible backends: sets \"endpoint\" in the plugin config (shorthand for --config-json)");
  cmd.add_option(
      "--executor-options", o.executor_options,
      "Executors: the job options object (JSON) every test job gets, e.g. '{\"image\":\"debian:bookworm\"}'");
}

plugin_check::CheckOptions to_check_options(const CheckCommandOptions &o) {
  plugin_check::CheckOptions c;
  c.config_json = o.config_json;
  c.base_uri = o.base_uri;
  c.executor_options = o.executor_options.empty() ? "{}" : o.executor_options;
  c.timeout = std::chrono::seconds(o.timeout_seconds);
  for (const auto &[what, text] : {std::pair<const char *, const std::string *>{"--config-json", &o.config_json},
                                   {"--executor-options", &o.executor_options}}) {
    if (text->empty()) continue;
    const nlohmann::json parsed = nlohmann::json::parse(*text, nullptr, false);
    if (!parsed.is_object()) throw std::invalid_argument(std::string(what) + ": expected a JSON object");
  }
  if (!o.s3_endpoint.empty()) {
    nlohmann::json config = nlohmann::json::parse(o.config_json.empty() ? "{}" : o.config_json);
    config["endpoint"] = o.s3_endpoint;
    c.config_json = config.dump();
  }
  return c;
}

} // namespace

void add_plugins_command(CLI::App &app, const GlobalOptions &global, int &exit_code) {
  CLI::App *plugins_cmd = app.add_subcommand("plugins", "Inspect plugins");
  plugins_cmd->require_subcommand(1);
  CLI::App *list = plugins_cmd->add_subcommand("list", "List loaded plugins and refused files with the reason");
  auto json = std::make_shared<bool>(false);
  list->add_flag("--json", *json, "Machine-readable output");
  list->callback([&global, &exit_code, json] {
    const std::unique_ptr<plugins::PluginRegistry> registry = make_registry(global);
    if (*json) {
      print_json(*registry);
    } else {
      print_text(*registry);
    }
    exit_code = exit_success;
  });

  auto check_opts = std::make_shared<CheckCommandOptions>();
  CLI::App *check = plugins_cmd->add_subcommand(
      "check", "Conformance-check plugin files: each check runs in a child process; exit 0 when all pass, 1 otherwise");
  check->add_option("FILE", check_opts->files, "Plugin shared libraries (.so) to check")
      ->required()
      ->check(CLI::ExistingFile);
  check->add_flag("--json", check_opts->json, "Machine-readable report");
  check->add_option("--timeout", check_opts->timeout_seconds, "Seconds each check may take before it is killed")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  add_check_options(*check, *check_opts);
  check->callback([&exit_code, check_opts] {
    plugin_check::RunnerOptions runner;
    runner.check = to_check_options(*check_opts);
    std::vector<plugin_check::PluginReport> reports;
    for (const std::string &file : check_opts->files) {
      reports.push_back(plugin_check::check_plugin(file, runner));
      if (!check_opts->json) {
        fmt::print("{}", plugin_check::format_plugin_text(reports.back()));
        std::fflush(stdout); // one plugin at a time: the report of a long run shows progress
      }
    }
    if (check_opts->json) {
      fmt::print("{}\n", plugin_check::format_json(reports).dump(2));
    } else {
      fmt::print("{}", plugin_check::format_summary(reports));
    }
    const bool all = std::all_of(reports.begin(), reports.end(), [](const auto &r) { return r.passed(); });
    exit_code = all ? exit_success : exit_job_failed;
  });

  // The child side of `plugins check`: runs ONE check and writes its result (a JSON line) to --result-fd.
  auto one_opts = std::make_shared<CheckCommandOptions>();
  CLI::App *one = plugins_cmd->add_subcommand("check-one", "internal: one check of `plugins check`");
  one->group(""); // hidden
  one->add_option("FILE", one_opts->files, "Plugin file")->required()->expected(1);
  one->add_option("--check", one_opts->check, "Check name")->required();
  one->add_option("--result-fd", one_opts->result_fd, "Where to write the result")->required();
  add_check_options(*one, *one_opts);
  one->callback([&exit_code, one_opts] {
    if (!plugin_check::is_known_check(one_opts->check)) {
      throw std::invalid_argument("unknown check \"" + one_opts->check + "\"");
    }
    const plugin_check::CheckResult result =
        plugin_check::run_check(one_opts->check, one_opts->files.front(), to_check_options(*one_opts));
    const std::string line = plugin_check::to_json(result).dump() + "\n";
    size_t done = 0;
    while (done < line.size()) {
      const ssize_t n = ::write(one_opts->result_fd, line.data() + done, line.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    ::close(one_opts->result_fd);
    exit_code = exit_success;
  });
}

} // namespace hodei::cli
