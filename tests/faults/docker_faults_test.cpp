// The docker daemon stopped mid-job: the job fails with an error naming the daemon's socket, the worker neither
// hangs nor crashes, and once the daemon is back the job's container (left 'exited' by dockerd's shutdown) is
// removed. Each test runs its OWN private dockerd (scripts/services/docker.sh, root only) because it stops it.
#include "agent_fixture.hpp"
#include "fault_helpers.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

using namespace hodei::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string kImage = "hodei-test/busybox:latest"; // imported by docker.sh

// Root and the docker packages (scripts/install-deps.sh docker) are needed to run a dockerd. Without them: a failure
// under HODEI_TEST_REQUIRE_SERVICES, else a skip.
bool root_or_skip() {
  std::string missing;
  if (::geteuid() != 0) {
    missing = "a private dockerd needs root";
  } else if (run_process({"sh", "-c", "command -v dockerd && command -v docker"}, 10s).exit_code != 0) {
    missing = "dockerd or the docker CLI is not installed (scripts/install-deps.sh docker)";
  }
  if (missing.empty()) return true;
  if (std::getenv("HODEI_TEST_REQUIRE_SERVICES") != nullptr) FAIL(missing);
  WARN("skipped: " << missing << " (set HODEI_TEST_REQUIRE_SERVICES=1 to fail instead)");
  return false;
}

// A private dockerd in a short folder of its own; stopped (containers and all) at the end.
class PrivateDocker {
public:
  PrivateDocker() : dir_("/tmp/flt-dk" + std::to_string(::getpid()) + "-" + std::to_string(next_++)) { start(); }
  ~PrivateDocker() {
    run_process({"bash", script(), "stop", dir_}, 120s);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  PrivateDocker(const PrivateDocker &) = delete;
  PrivateDocker &operator=(const PrivateDocker &) = delete;

  // Starts the daemon (again: same folder, so the containers of before are still there).
  void start() const {
    const ProcessResult r = run_process({"bash", script(), "start", dir_}, 120s);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
  }

  // SIGTERM to dockerd, as an operator's `systemctl stop docker`: it stops its containers (after their stop
  // timeout) and exits. Waits until it is gone.
  void stop_daemon() const {
    const pid_t pid = std::stoi(read_file(dir_ + "/dockerd.pid"));
    REQUIRE(::kill(pid, SIGTERM) == 0);
    REQUIRE(eventually([&] { return !fs::exists("/proc/" + std::to_string(pid)); }, 60s));
  }

  [[nodiscard]] std::string socket() const { return dir_ + "/docker.sock"; }

  // Ids of the containers (any state) carrying `label` ("key=value").
  [[nodiscard]] std::vector<std::string> containers(const std::string &label) const {
    const ProcessResult r =
        run_process({"docker", "-H", "unix://" + socket(), "ps", "-a", "-q", "--filter", "label=" + label}, 30s);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::vector<std::string> ids;
    std::istringstream in(r.out);
    for (std::string id; in >> id;) ids.push_back(id);
    return ids;
  }

private:
  static std::string script() { return HODEI_SOURCE_DIR "/scripts/services/docker.sh"; }
  static inline int next_ = 0;
  std::string dir_;
};

std::string sleeping_job() {
  return R"({"name": "sleepy", "executor": "docker", "docker": {"image": ")" + kImage +
         R"(", "pull": "never"}, "steps": [{"name": "nap", "run": "echo started; sleep 120; echo woke"}]})";
}

} // namespace

TEST_CASE("docker daemon stopped mid-job under run: a clear failure and the container removed on next use",
          "[faults][docker]") {
  if (!root_or_skip()) return;
  PrivateDocker docker;
  TempDir dir;
  const std::string worker_name = "flt-run-" + std::to_string(::getpid());
  std::ofstream(dir.path() / "worker.json")
      << R"({"worker": {"name": ")" << worker_name << R"(", "data_dir": ")" << (dir.path() / "data").string()
      << R"("}, "plugins": {"config": {"docker": {"socket": ")" << docker.socket() << R"("}}}})";
  std::ofstream(dir.path() / "sleepy.json") << sleeping_job();
  std::ofstream(dir.path() / "quick.json") << R"({"name": "quick", "executor": "docker", "docker": {"image": ")"
                                           << kImage << R"(", "pull": "never"}, "steps": [{"run": "echo ok"}]})";
  const auto run_argv = [&](const std::string &job) {
    return std::vector<std::string>{kWorkerBin,
                                    "--config",
                                    (dir.path() / "worker.json").string(),
                                    "--plugin-dir",
                                    HODEI_PLUGIN_DIR,
                                    "run",
                                    (dir.path() / job).string()};
  };
  const std::string ours = "dev.hodei.worker-id=" + worker_name;

  BackgroundProcess run(run_argv("sleepy.json"));
  REQUIRE(run.wait_for_output("started", 60s));
  docker.stop_daemon();
  const ProcessResult failed = run.wait(60s); // does not hang
  INFO(failed.out << failed.err);
  CHECK_FALSE(failed.timed_out);
  CHECK(failed.term_signal == 0); // no crash
  CHECK(failed.exit_code != 0);
  CHECK(failed.err.find("cannot talk to the Docker daemon at unix://" + docker.socket()) != std::string::npos);

  docker.start();
  CHECK(docker.containers(ours).size() == 1); // dockerd stopped it on shutdown; it is still there, exited

  const ProcessResult next = run_process(run_argv("quick.json"), 120s);
  INFO(next.out << next.err);
  CHECK(next.exit_code == 0);
  CHECK(next.err.find("removed leftover container hodei-run-") != std::string::npos);
  CHECK(docker.containers(ours).empty());
}

TEST_CASE("docker daemon stopped mid-job under serve: the job fails and its container goes when the daemon returns",
          "[faults][docker]") {
  if (!root_or_skip()) return;
  PrivateDocker docker;
  Cluster c;
  c.start_server();
  WorkerSetup setup;
  // No periodic scan for an hour: only the retry after the failed removal can remove the container in time.
  setup.extra_config =
      R"("plugins": {"config": {"docker": {"socket": ")" + docker.socket() + R"(", "cleanup_interval_s": 3600}}})";
  c.start_worker(setup);

  const std::string id = c.submit(c.job_file("sleepy.json", sleeping_job()));
  REQUIRE(eventually([&] { return read_file(c.stored_log(id, "stdout")).find("started") != std::string::npos; }, 60s));
  // The executor's job id carries the lease epoch (job-1-1): select by this worker's label (a private daemon).
  const std::string label = "dev.hodei.worker-id=test-worker";
  REQUIRE(docker.containers(label).size() == 1);

  docker.stop_daemon();
  const std::string state = c.wait_terminal(id, 60s);
  CHECK((state == "error" || state == "failed"));
  const ProcessResult show = c.cli({"show", id});
  CHECK(show.out.find("cannot talk to the Docker daemon at unix://" + docker.socket()) != std::string::npos);
  CHECK(c.worker->running());

  docker.start();
  {
    INFO(c.worker->err());
    CHECK(eventually([&] { return docker.containers(label).empty(); }, 60s));
  }
  CHECK(c.worker->err().find("removed leftover container hodei-" + id + "-") != std::string::npos);
  CHECK(c.worker->err().find("the retried cleanup succeeded") != std::string::npos);

  // The worker still takes jobs.
  const std::string next = c.submit(c.job_file(
      "next.json", R"({"name": "next", "executor": "shell", "steps": [{"name": "s", "run": "echo alive"}]})"));
  CHECK(c.wait_terminal(next, 30s) == "succeeded");
  CHECK(c.worker->running());
}
