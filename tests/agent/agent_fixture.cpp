#include "agent_fixture.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace hodei::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "hodei-agent-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

Cluster::Cluster() : port(free_tcp_port()), address("127.0.0.1:" + std::to_string(port)) {}

Cluster::~Cluster() {
  worker.reset();
  server.reset();
}

void Cluster::start_server(const std::vector<std::string> &extra) {
  if (!extra.empty()) server_flags = extra;
  std::vector<std::string> argv{
      kDevserverBin, "serve", "--listen",    address, "--data-dir", (dir.path() / "server").string(),
      "--token",     kToken,  "--log-level", "info"};
  argv.insert(argv.end(), server_flags.begin(), server_flags.end());
  server.reset();
  const size_t before = read_file(dir.path() / "server-log.out").size(); // a restart appends to the same log
  server = std::make_unique<LoggedProcess>(argv, dir.path() / "server-log");
  REQUIRE(eventually([&] { return server->out().find("listening", before) != std::string::npos; }, 20s));
}

void Cluster::kill_server() {
  server->signal(SIGKILL);
  REQUIRE(server->wait_exit(10s).has_value());
}

fs::path Cluster::write_worker_config(const WorkerSetup &setup) const {
  fs::path config = dir.path() / "worker.json";
  std::ostringstream json;
  json << "{ \"server\": { \"reconnect_initial_backoff_ms\": 100, \"reconnect_max_backoff_ms\": 1000"
       << (setup.server_config.empty() ? "" : ", ") << setup.server_config
       << " }, \"worker\": { \"drain_timeout_seconds\": " << setup.drain_timeout_seconds;
  if (!setup.max_jobs_flag) json << ", \"max_concurrent_jobs\": " << setup.max_jobs;
  if (!setup.worker_config.empty()) json << ", " << setup.worker_config;
  json << " }" << (setup.extra_config.empty() ? "" : ", ") << setup.extra_config << " }";
  std::ofstream(config, std::ios::trunc) << json.str();
  return config;
}

void Cluster::start_worker(const WorkerSetup &setup) {
  const fs::path token_file = dir.path() / "token";
  std::ofstream(token_file) << setup.token << "\n";
  const fs::path config = write_worker_config(setup);
  std::vector<std::string> argv{kWorkerBin, "--plugin-dir",
                                setup.plugin_dir.empty() ? HODEI_PLUGIN_DIR : setup.plugin_dir, "--config",
                                config.string()};
  if (setup.log_level_flag) argv.insert(argv.end(), {"--log-level", "info"});
  argv.insert(argv.end(),
              {"serve", "--server", setup.server_address.empty() ? address : setup.server_address, "--token-file",
               token_file.string(), "--data-dir", (dir.path() / "worker").string(), "--name", "test-worker"});
  if (setup.max_jobs_flag) argv.insert(argv.end(), {"--max-jobs", std::to_string(setup.max_jobs)});
  if (setup.plaintext) argv.emplace_back("--plaintext");
  worker = std::make_unique<LoggedProcess>(argv, dir.path() / "worker-log", setup.env);
  if (setup.wait_connected) {
    INFO(worker->err());
    REQUIRE(worker->wait_for_output("job stream open", 20s));
  }
}

ProcessResult Cluster::cli(std::vector<std::string> args, std::chrono::milliseconds timeout, bool tls_flags) const {
  std::vector<std::string> argv{kDevserverBin};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--server", address, "--token", kToken});
  if (tls_flags) argv.insert(argv.end(), client_flags.begin(), client_flags.end());
  return run_process(argv, timeout);
}

fs::path Cluster::job_file(const std::string &name, const std::string &json) const {
  fs::path p = dir.path() / name;
  std::ofstream(p) << json;
  return p;
}

std::string Cluster::submit(const fs::path &file) const {
  const ProcessResult r = cli({"submit", file.string()}, 30s, !client_flags.empty());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::string id = r.out;
  while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
  return id;
}

std::string Cluster::state(const std::string &job_id) const {
  const ProcessResult r = cli({"show", job_id}, 30s, !client_flags.empty());
  if (r.exit_code != 0) return "";
  const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  if (!j.is_object() || !j.contains("state")) return "";
  std::string s = j["state"].get<std::string>();
  if (s.rfind("JOB_STATE_", 0) == 0) s = s.substr(10);
  for (char &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Cluster::wait_terminal(const std::string &job_id, std::chrono::milliseconds timeout) const {
  std::string last;
  eventually(
      [&] {
        last = state(job_id);
        return last == "succeeded" || last == "failed" || last == "cancelled" || last == "timed_out" ||
               last == "error" || last == "lost";
      },
      timeout);
  return last;
}

bool Cluster::wait_state(const std::string &job_id, const std::string &wanted,
                         std::chrono::milliseconds timeout) const {
  return eventually([&] { return state(job_id) == wanted; }, timeout);
}

fs::path Cluster::stored_log(const std::string &job_id, const std::string &stream) const {
  return dir.path() / "server" / "jobs" / job_id / (stream + ".log");
}

std::map<std::string, uint64_t> Cluster::stats() const {
  const ProcessResult r = cli({"stats"}, 30s, !client_flags.empty());
  std::map<std::string, uint64_t> out;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    out[line.substr(0, colon)] = std::stoull(line.substr(colon + 1));
  }
  return out;
}

std::string Cluster::worker_id() const {
  std::string id = read_file(dir.path() / "worker" / "worker_id");
  while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
  return id;
}

} // namespace hodei::test
