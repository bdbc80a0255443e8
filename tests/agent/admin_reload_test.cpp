// Reload (SIGHUP) and the admin socket (`hodei-worker status`, `drain`, `reload`) of a real `hodei-worker serve`
// against the real devserver.
#include "agent_fixture.hpp"
#include "fake_server.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace hodei::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string kSleepJob =
    R"({"name": "sleeper", "executor": "shell", "timeout_seconds": 120, "steps": [{"name": "s", "run": "sleep 60"}]})";
const std::string kQuickJob =
    R"({"name": "quick", "executor": "shell", "steps": [{"name": "s", "run": "echo quick-job-output"}]})";

fs::path socket_of(const Cluster &cluster) { return cluster.dir.path() / "worker" / "admin.sock"; }

ProcessResult worker_cli(const Cluster &cluster, std::vector<std::string> args) {
  std::vector<std::string> argv{kWorkerBin};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--socket", socket_of(cluster).string()});
  return run_process(argv, 30s);
}

nlohmann::json status(const Cluster &cluster) {
  const ProcessResult r = worker_cli(cluster, {"status", "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out);
}

// SIGHUP, then waits until the worker logged the end of that reload (the n-th "reload: " outcome line).
void sighup_and_wait(const Cluster &cluster, int nth) {
  cluster.worker->signal(SIGHUP);
  REQUIRE(eventually(
      [&] {
        const std::string log = cluster.worker->err();
        int seen = 0;
        for (size_t pos = 0; (pos = log.find("reload: done", pos)) != std::string::npos; ++pos) ++seen;
        for (size_t pos = 0; (pos = log.find("keeps running with its current config", pos)) != std::string::npos; ++pos)
          ++seen;
        return seen >= nth;
      },
      20s));
}

// Connects to the admin socket and hangs up without a request: the worker logs that at debug level only.
void abort_admin_connection(const fs::path &path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  CHECK(::connect(fd, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) == 0);
  ::close(fd);
}

const std::string kAbortedLine = "the other end closed the connection";

nlohmann::json worker_record(const Cluster &cluster) {
  const ProcessResult r = cluster.cli({"workers", "--json"});
  REQUIRE(r.exit_code == 0);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  REQUIRE(j.contains("workers"));
  REQUIRE(j["workers"].size() == 1);
  return j["workers"][0];
}

std::string submit_with_label(const Cluster &cluster, const fs::path &file, const std::string &label) {
  const ProcessResult r = cluster.cli({"submit", file.string(), "--label", label});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::string id = r.out;
  while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
  return id;
}

} // namespace

TEST_CASE("SIGHUP applies a new log level and new labels and the server schedules by the new labels",
          "[agent][reload]") {
  Cluster cluster;
  cluster.start_server();
  WorkerSetup setup;
  setup.log_level_flag = false;
  setup.extra_config = R"("logs": {"level": "info"})";
  setup.worker_config = R"("labels": {"pool": "a"})";
  cluster.start_worker(setup);
  CHECK(worker_record(cluster)["labels"]["pool"] == "a");

  // Needs gpu=yes: stays queued until the worker advertises that label.
  const std::string job = submit_with_label(cluster, cluster.job_file("quick.json", kQuickJob), "gpu=yes");
  CHECK(cluster.state(job) == "queued");

  // At info, an aborted admin connection leaves no line (the status request after it is served after it).
  abort_admin_connection(socket_of(cluster));
  (void)status(cluster);
  CHECK(cluster.worker->err().find(kAbortedLine) == std::string::npos);

  setup.extra_config = R"("logs": {"level": "debug"})";
  setup.worker_config = R"("labels": {"pool": "b", "gpu": "yes"})";
  cluster.write_worker_config(setup);
  sighup_and_wait(cluster, 1);
  const std::string log = cluster.worker->err();
  CHECK(log.find("reload: logs.level changed: \"info\" -> \"debug\"") != std::string::npos);
  CHECK(log.find("reload: worker.labels changed") != std::string::npos);

  REQUIRE(cluster.wait_terminal(job, 30s) == "succeeded");
  const nlohmann::json record = worker_record(cluster);
  CHECK(record["labels"]["pool"] == "b");
  CHECK(record["labels"]["gpu"] == "yes");
  CHECK(status(cluster)["labels"]["gpu"] == "yes");
  // At debug it does.
  abort_admin_connection(socket_of(cluster));
  (void)status(cluster);
  CHECK(cluster.worker->wait_for_output(kAbortedLine, 10s));
}

TEST_CASE("Raising max_concurrent_jobs on reload lets more jobs run and lowering it stops no running job",
          "[agent][reload]") {
  Cluster cluster;
  cluster.start_server();
  WorkerSetup setup;
  setup.max_jobs_flag = false;
  setup.max_jobs = 1;
  cluster.start_worker(setup);
  const fs::path sleep_file = cluster.job_file("sleep.json", kSleepJob);
  const std::string first = cluster.submit(sleep_file);
  const std::string second = cluster.submit(sleep_file);
  REQUIRE(cluster.wait_state(first, "running", 30s));
  CHECK(cluster.state(second) == "queued"); // one slot

  setup.max_jobs = 2;
  cluster.write_worker_config(setup);
  sighup_and_wait(cluster, 1);
  CHECK(cluster.worker->err().find("reload: worker.max_concurrent_jobs changed: 1 -> 2") != std::string::npos);
  REQUIRE(cluster.wait_state(second, "running", 30s));

  // Fewer slots than running jobs: both keep running, a third waits.
  const std::string third = cluster.submit(sleep_file);
  setup.max_jobs = 1;
  cluster.write_worker_config(setup);
  sighup_and_wait(cluster, 2);
  const nlohmann::json s = status(cluster);
  CHECK(s["jobs"].size() == 2);
  CHECK(s["free_slots"] == 0);
  CHECK(s["max_concurrent_jobs"] == 1);
  CHECK(cluster.state(first) == "running");
  CHECK(cluster.state(second) == "running");
  CHECK(cluster.state(third) == "queued");
}

TEST_CASE("A plugin copied into the plugin folder runs jobs after SIGHUP", "[agent][reload]") {
  Cluster cluster;
  const fs::path plugins = cluster.dir.path() / "plugins";
  fs::create_directories(plugins);
  fs::permissions(plugins, fs::perms(0755));
  const auto install = [&](const fs::path &from) {
    const fs::path to = plugins / from.filename();
    fs::copy_file(from, to);
    fs::permissions(to, fs::perms(0644));
  };
  install(fs::path(HODEI_PLUGIN_DIR) / "libhodei-executor-shell.so");
  cluster.start_server();
  WorkerSetup setup;
  setup.plugin_dir = plugins.string();
  cluster.start_worker(setup);

  const fs::path good_job = cluster.job_file(
      "good.json",
      R"({"name": "good", "executor": "dev.hodei.test.good", "steps": [{"name": "s", "run": "from-good"}]})");
  // Before the rescan no worker advertises the executor: the job waits in the queue.
  const std::string job = cluster.submit(good_job);
  CHECK(cluster.state(job) == "queued");

  install(fs::path(HODEI_TEST_PLUGIN_DIR) / "libhodei_test_good.so");
  sighup_and_wait(cluster, 1);
  CHECK(cluster.worker->err().find("reload: plugin dev.hodei.test.good") != std::string::npos);
  REQUIRE(cluster.wait_terminal(job, 30s) == "succeeded");
  CHECK(read_file(cluster.stored_log(job, "stdout")).find("from-good") != std::string::npos);

  bool listed = false;
  const nlohmann::json now = status(cluster);
  for (const auto &p : now["plugins"]) listed = listed || p["id"] == "dev.hodei.test.good";
  CHECK(listed);
  bool advertised = false;
  const nlohmann::json record = worker_record(cluster);
  for (const auto &e : record["executors"]) advertised = advertised || e["id"] == "dev.hodei.test.good";
  CHECK(advertised);

  // The loaded file vanishing changes nothing for jobs: the code stays loaded.
  fs::remove(plugins / "libhodei_test_good.so");
  sighup_and_wait(cluster, 2);
  CHECK(cluster.worker->err().find("its loaded code stays until a restart") != std::string::npos);
  const std::string again = cluster.submit(good_job);
  CHECK(cluster.wait_terminal(again, 30s) == "succeeded");
}

TEST_CASE("Against a server without live updates a reload registers again with the new labels and capacity",
          "[agent][reload]") {
  FakeServer fake; // accepts no optional feature, like an older server
  Cluster cluster;
  cluster.address = fake.address();
  WorkerSetup setup;
  setup.max_jobs_flag = false;
  setup.worker_config = R"("labels": {"pool": "a"})";
  cluster.start_worker(setup);
  REQUIRE(fake.registrations().size() == 1);
  CHECK(fake.registrations()[0].labels().at("pool") == "a");

  setup.max_jobs = 3;
  setup.worker_config = R"("labels": {"pool": "b"})";
  cluster.write_worker_config(setup);
  sighup_and_wait(cluster, 1);
  REQUIRE(eventually([&] { return fake.registrations().size() >= 2; }, 20s));
  const auto again = fake.registrations()[1];
  CHECK(again.labels().at("pool") == "b");
  CHECK(again.capacity() == 3);
  CHECK(again.previous_worker_id() == "w-fake");                     // same identity: its jobs would resume
  for (const auto &m : fake.received()) CHECK_FALSE(m.has_update()); // never sent what the server cannot read
}

TEST_CASE("A broken config on SIGHUP keeps the worker running with the old one and names the file", "[agent][reload]") {
  Cluster cluster;
  cluster.start_server();
  cluster.start_worker();
  const fs::path config = cluster.dir.path() / "worker.json";
  std::ofstream(config, std::ios::trunc) << R"({"worker": {"max_concurrent_jobs": "many"}})";
  sighup_and_wait(cluster, 1);
  const std::string log = cluster.worker->err();
  CHECK(log.find("reload: " + config.string()) != std::string::npos);
  CHECK(log.find("max_concurrent_jobs") != std::string::npos);
  REQUIRE(cluster.worker->running());
  const std::string job = cluster.submit(cluster.job_file("quick.json", kQuickJob));
  CHECK(cluster.wait_terminal(job, 30s) == "succeeded");
}

TEST_CASE("A changed key that needs a restart is logged as such on reload and not applied", "[agent][reload]") {
  Cluster cluster;
  cluster.start_server();
  WorkerSetup setup;
  cluster.start_worker(setup);
  setup.extra_config = R"("logs": {"spool_quota_bytes": 12345678}, "admin": {"socket": "/tmp/elsewhere.sock"})";
  cluster.write_worker_config(setup);
  const ProcessResult r = worker_cli(cluster, {"reload", "--json"}); // the admin socket's reload, same as SIGHUP
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const nlohmann::json reply = nlohmann::json::parse(r.out);
  CHECK(reply["needs_restart"] == nlohmann::json({"logs.spool_quota_bytes", "admin.socket"}));
  CHECK(reply["changed"].empty());
  const std::string log = cluster.worker->err();
  CHECK(log.find("reload: logs.spool_quota_bytes changed, needs a restart") != std::string::npos);
  CHECK(log.find("reload: admin.socket changed, needs a restart") != std::string::npos);
  CHECK(fs::exists(socket_of(cluster))); // still served where it was
}

TEST_CASE("Status shows the connection and a running job through the admin socket", "[agent][admin]") {
  Cluster cluster;
  cluster.start_server();
  cluster.start_worker();
  const std::string job = cluster.submit(cluster.job_file("sleep.json", kSleepJob));
  REQUIRE(cluster.wait_state(job, "running", 30s));
  nlohmann::json s;
  REQUIRE(eventually(
      [&] {
        s = status(cluster);
        return s["jobs"].size() == 1 && s["jobs"][0]["state"] == "running";
      },
      10s));
  CHECK(s["connection"] == "connected");
  CHECK(s["worker_id"] == cluster.worker_id());
  CHECK_FALSE(s["session_id"].get<std::string>().empty());
  CHECK(s["jobs"][0]["id"] == job);
  CHECK(s["jobs"][0]["executor"] == "shell");
  CHECK(s["free_slots"] == 0);
  CHECK(s["cache"].is_object());
  CHECK(s["spool"].contains("bytes"));
  const ProcessResult text = worker_cli(cluster, {"status"});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find(job) != std::string::npos);
  CHECK(text.out.find("connected") != std::string::npos);
}

TEST_CASE("Drain through the admin socket lets the running job finish and the worker exits 0", "[agent][admin]") {
  Cluster cluster;
  cluster.start_server();
  cluster.start_worker();
  const std::string job = cluster.submit(cluster.job_file(
      "short.json",
      R"({"name": "short", "executor": "shell", "steps": [{"name": "s", "run": "sleep 2; echo finished-after-drain"}]})"));
  REQUIRE(cluster.wait_state(job, "running", 30s));
  const ProcessResult r = worker_cli(cluster, {"drain", "--wait"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("has drained and exited") != std::string::npos);
  CHECK(cluster.worker->wait_exit(30s) == std::optional<int>(0));
  CHECK(cluster.state(job) == "succeeded");
  CHECK_FALSE(fs::exists(socket_of(cluster))); // removed on exit
  const ProcessResult gone = worker_cli(cluster, {"status"});
  CHECK(gone.exit_code == 3);
  CHECK(gone.err.find(socket_of(cluster).string()) != std::string::npos);
}

TEST_CASE("A second worker on the same data folder finds the live admin socket and refuses to start",
          "[agent][admin]") {
  Cluster cluster;
  cluster.start_server();
  cluster.start_worker();
  const ProcessResult second = run_process(
      {kWorkerBin, "--plugin-dir", HODEI_PLUGIN_DIR, "serve", "--server", cluster.address, "--plaintext",
       "--token-file", (cluster.dir.path() / "token").string(), "--data-dir", (cluster.dir.path() / "worker").string()},
      30s);
  CHECK(second.exit_code == 3);
  CHECK(second.err.find("another process answers on " + socket_of(cluster).string()) != std::string::npos);
  CHECK(status(cluster)["connection"] == "connected"); // the first one still serves on it
}

TEST_CASE("The admin socket is owner-only and refuses another uid", "[agent][admin]") {
  if (::geteuid() != 0) {
    WARN("skipped: needs root to run a client as another uid (nobody)");
    return;
  }
  Cluster cluster;
  cluster.start_server();
  cluster.start_worker();
  const fs::path socket = socket_of(cluster);
  struct stat st {};
  REQUIRE(::stat(socket.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  // Only the socket's own mode may stand in the way: open the folders above it.
  fs::permissions(cluster.dir.path(), fs::perms(0755));
  fs::permissions(cluster.dir.path() / "worker", fs::perms(0755));
  const std::vector<std::string> as_nobody{"setpriv",  "--reuid=65534", "--regid=65534", "--clear-groups",
                                           kWorkerBin, "status",        "--socket",      socket.string()};
  const ProcessResult denied = run_process(as_nobody, 30s);
  CHECK(denied.exit_code == 3);
  CHECK(denied.err.find("permission denied") != std::string::npos);
  CHECK(denied.err.find(socket.string()) != std::string::npos);

  // Even with the file opened up, the worker checks the peer's uid (SO_PEERCRED).
  fs::permissions(socket, fs::perms(0666));
  const ProcessResult refused = run_process(as_nobody, 30s);
  INFO(refused.err);
  CHECK(refused.exit_code == 3);
  CHECK(refused.err.find("uid 65534 may not use") != std::string::npos);
  CHECK(cluster.worker->err().find("refused a request from uid 65534") != std::string::npos);
  CHECK(worker_cli(cluster, {"status"}).exit_code == 0); // the owner still can
}

} // namespace hodei::test
