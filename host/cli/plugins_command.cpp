#include "plugins_command.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "exit_codes.hpp"
#include "plugin-host/plugin_registry.hpp"

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
  for (const plugins::Refusal &r : registry.refusals()) out["refused"].push_back({{"file", r.file}, {"reason", r.reason}});
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
}

} // namespace hodei::cli
