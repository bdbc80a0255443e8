// `hodei-worker serve` with the real devserver: jobs end to end, capacity, rejection, cancel, timeout, drain.
#include "agent_fixture.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <sstream>
#include <sys/types.h>

using namespace hodei::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// True while `pid` names a live (non-zombie) process.
bool process_alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] != 'Z';
}

pid_t read_pid(const fs::path &file) {
  std::ifstream in(file);
  pid_t pid = 0;
  in >> pid;
  return pid;
}

} // namespace

TEST_CASE("a job runs end to end: --follow prints its output, the exit code follows the outcome", "[agent]") {
  Cluster c;
  c.start_server();
  c.start_worker();
  const fs::path ok = c.job_file("ok.json", R"({"name": "ok", "executor": "shell",
    "secrets": {"PASSWORD": "hunter2-secret"},
    "steps": [{"name": "one", "run": "echo line one; echo to-stderr >&2; echo \"pw=$PASSWORD\""},
              {"name": "two", "run": "printf 'line two\\n'"}]})");
  const ProcessResult r = c.cli({"submit", ok.string(), "--follow"}, 60s);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "line one\npw=***\nline two\n");
  CHECK(r.err.find("to-stderr") != std::string::npos);
  CHECK(r.err.find("==> step 1 'one' started") != std::string::npos); // the system stream
  CHECK(r.err.find("hunter2") == std::string::npos);

  const fs::path fail = c.job_file("fail.json", R"({"name": "fail", "executor": "shell",
    "steps": [{"name": "boom", "run": "echo before; exit 3"}, {"name": "never", "run": "echo never"}]})");
  const ProcessResult f = c.cli({"submit", fail.string(), "--follow"}, 60s);
  CHECK(f.exit_code == 1);
  CHECK(f.out == "before\n");
  CHECK(c.state("job-2") == "failed");
  const ProcessResult show = c.cli({"show", "job-2"});
  CHECK(show.out.find("STEP_OUTCOME_SKIPPED") != std::string::npos);
}

TEST_CASE("max_concurrent_jobs=2: four jobs never run more than two at once", "[agent]") {
  Cluster c;
  c.start_server();
  c.start_worker([&] {
    WorkerSetup s;
    s.max_jobs = 2;
    return s;
  }());
  const fs::path record = c.dir.path() / "spans.txt";
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    const fs::path f =
        c.job_file("j" + std::to_string(i) + ".json",
                   R"({"name": "span", "executor": "shell", "steps": [{"name": "s", "run":
      "echo start $(date +%s%N) >> )" +
                       record.string() + R"(; sleep 1; echo end $(date +%s%N) >> )" + record.string() + R"("}]})");
    ids.push_back(c.submit(f));
  }
  for (const std::string &id : ids) CHECK(c.wait_terminal(id, 40s) == "succeeded");
  std::ifstream in(record);
  std::vector<std::pair<long long, int>> events;
  std::string kind;
  long long t = 0;
  while (in >> kind >> t) events.emplace_back(t, kind == "start" ? 1 : -1);
  REQUIRE(events.size() == 8);
  std::sort(events.begin(), events.end());
  int running = 0;
  int peak = 0;
  for (const auto &[time, delta] : events) {
    running += delta;
    peak = std::max(peak, running);
  }
  CHECK(peak <= 2);
  CHECK(peak == 2); // the two slots are used
}

TEST_CASE("a job whose executor no worker has stays queued, the worker keeps serving", "[agent]") {
  Cluster c;
  c.start_server();
  c.start_worker();
  const std::string unknown =
      c.submit(c.job_file("u.json", R"({"name": "u", "executor": "nosuch", "steps": [{"name": "s", "run": "true"}]})"));
  const std::string known =
      c.submit(c.job_file("k.json", R"({"name": "k", "executor": "shell", "steps": [{"name": "s", "run": "true"}]})"));
  CHECK(c.wait_terminal(known, 30s) == "succeeded");
  CHECK(c.state(unknown) == "queued");
  CHECK(c.worker->running());
}

TEST_CASE("cancel from the server kills the job's process group, the result says cancelled", "[agent]") {
  Cluster c;
  c.start_server();
  c.start_worker();
  const fs::path pid_file = c.dir.path() / "grandchild.pid";
  const std::string id = c.submit(c.job_file("c.json", R"({"name": "c", "executor": "shell", "steps": [{"name": "s",
    "run": "sleep 300 & echo $! > )" + pid_file.string() + R"(; echo started; wait"}]})"));
  REQUIRE(eventually([&] { return read_pid(pid_file) > 0; }, 30s));
  const pid_t grandchild = read_pid(pid_file);
  REQUIRE(process_alive(grandchild));
  const ProcessResult r = c.cli({"cancel", id, "--reason", "test says stop", "--grace", "1s"});
  CHECK(r.exit_code == 0);
  CHECK(c.wait_terminal(id, 30s) == "cancelled");
  CHECK(eventually([&] { return !process_alive(grandchild); }, 10s));
  const ProcessResult show = c.cli({"show", id});
  CHECK(show.out.find("test says stop") != std::string::npos);
  if (process_alive(grandchild)) ::kill(grandchild, SIGKILL);
}

TEST_CASE("a job past its timeout ends timed_out", "[agent]") {
  Cluster c;
  c.start_server();
  c.start_worker();
  const fs::path f = c.job_file("t.json", R"({"name": "t", "executor": "shell", "timeout_seconds": 1,
    "cancel_grace_seconds": 1, "steps": [{"name": "s", "run": "echo sleeping; sleep 30"}]})");
  const ProcessResult r = c.cli({"submit", f.string(), "--follow"}, 60s);
  INFO(r.err);
  CHECK(r.exit_code == 124);
  CHECK(r.out == "sleeping\n");
}

TEST_CASE("SIGTERM drains: the running job finishes, its result arrives, the worker deregisters", "[agent]") {
  Cluster c;
  c.start_server();
  c.start_worker();
  const std::string id = c.submit(c.job_file("d.json", R"({"name": "d", "executor": "shell",
    "steps": [{"name": "s", "run": "echo begin; sleep 2; echo end"}]})"));
  REQUIRE(c.wait_state(id, "running", 30s));
  c.worker->signal(SIGTERM);
  // Draining: a new job is not taken.
  const std::string later = c.submit(c.job_file("l.json", R"({"name": "l", "executor": "shell",
    "steps": [{"name": "s", "run": "true"}]})"));
  const std::optional<int> exit = c.worker->wait_exit(30s);
  INFO(c.worker->err());
  REQUIRE(exit.has_value());
  CHECK(*exit == 0);
  CHECK(c.state(id) == "succeeded");
  CHECK(c.state(later) == "queued");
  CHECK(read_file(c.stored_log(id, "stdout")) == "begin\nend\n");
  const ProcessResult workers = c.cli({"workers"});
  CHECK(workers.out.find("gone") != std::string::npos);
  CHECK(c.worker->err().find("deregistered") != std::string::npos);
}

TEST_CASE("a SIGKILLed worker's job is marked lost after the lease timeout", "[agent]") {
  Cluster c;
  c.start_server({"--lease-timeout", "2s"});
  c.start_worker();
  const fs::path pid_file = c.dir.path() / "orphan.pid";
  const std::string id = c.submit(c.job_file("k.json", R"({"name": "k", "executor": "shell", "steps": [{"name": "s",
    "run": "echo $$ > )" + pid_file.string() + R"(; sleep 20"}]})"));
  REQUIRE(c.wait_state(id, "running", 30s));
  c.worker->signal(SIGKILL);
  REQUIRE(c.worker->wait_exit(10s).has_value());
  CHECK(c.wait_terminal(id, 20s) == "lost");
  if (const pid_t orphan = read_pid(pid_file); orphan > 0) ::killpg(orphan, SIGKILL);
}

TEST_CASE("a second SIGTERM cancels the running job at once, its result still arrives", "[agent]") {
  Cluster c;
  c.start_server();
  c.start_worker();
  const std::string id = c.submit(c.job_file("s.json", R"({"name": "s", "executor": "shell",
    "steps": [{"name": "s", "run": "echo begin; sleep 60"}]})"));
  REQUIRE(c.wait_state(id, "running", 30s));
  c.worker->signal(SIGTERM);
  REQUIRE(c.worker->wait_for_output("draining", 10s));
  c.worker->signal(SIGTERM);
  const std::optional<int> exit = c.worker->wait_exit(30s);
  INFO(c.worker->err());
  REQUIRE(exit.has_value());
  CHECK(*exit == 0);
  CHECK(c.state(id) == "cancelled");
  CHECK(read_file(c.stored_log(id, "stdout")) == "begin\n");
}

TEST_CASE("a drain from the server: the worker finishes its job, deregisters and exits", "[agent]") {
  Cluster c;
  c.start_server();
  c.start_worker();
  const std::string id = c.submit(c.job_file("d.json", R"({"name": "d", "executor": "shell",
    "steps": [{"name": "s", "run": "sleep 1; echo done"}]})"));
  REQUIRE(c.wait_state(id, "running", 30s));
  const ProcessResult r = c.cli({"drain", c.worker_id(), "--reason", "maintenance"});
  CHECK(r.exit_code == 0);
  const std::optional<int> exit = c.worker->wait_exit(30s);
  INFO(c.worker->err());
  REQUIRE(exit.has_value());
  CHECK(*exit == 0);
  CHECK(c.state(id) == "succeeded");
  CHECK(c.worker->err().find("maintenance") != std::string::npos);
}

TEST_CASE("the drain timeout cancels a job that runs too long", "[agent]") {
  Cluster c;
  c.start_server();
  c.start_worker([&] {
    WorkerSetup s;
    s.drain_timeout_seconds = 1;
    return s;
  }());
  const std::string id = c.submit(c.job_file("long.json", R"({"name": "long", "executor": "shell",
    "cancel_grace_seconds": 1, "steps": [{"name": "s", "run": "sleep 60"}]})"));
  REQUIRE(c.wait_state(id, "running", 30s));
  c.worker->signal(SIGTERM);
  const std::optional<int> exit = c.worker->wait_exit(30s);
  INFO(c.worker->err());
  REQUIRE(exit.has_value());
  CHECK(*exit == 0);
  CHECK(c.state(id) == "cancelled");
  CHECK(c.worker->err().find("drain timeout") != std::string::npos);
}

TEST_CASE("serve fetches a job's input and uploads its output, the result lists both with size and sha256", "[agent]") {
  Cluster c;
  const fs::path store = c.dir.path() / "store";
  fs::create_directories(store);
  { std::ofstream(store / "in.txt") << "artifact through serve\n"; }
  c.start_server();
  WorkerSetup setup;
  setup.extra_config = R"("plugins": {"config": {"dev.hodei.artifact.fs": {"root": ")" + store.string() + R"("}}})";
  c.start_worker(setup);
  const fs::path job = c.job_file("art.json", R"({"name": "art", "executor": "shell",
    "steps": [{"name": "copy", "run": "mkdir -p out && cp in/in.txt out/copy.txt"}],
    "artifacts": {"inputs": [{"uri": "file://)" + (store / "in.txt").string() +
                                                  R"(", "path": "in/in.txt"}],
                  "outputs": [{"path": "out/*.txt", "uri": "file://)" +
                                                  (store / "out").string() + R"(/"}]}})");
  const ProcessResult r = c.cli({"submit", job.string(), "--follow"}, 60s);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  std::ifstream copied(store / "out" / "copy.txt");
  const std::string content((std::istreambuf_iterator<char>(copied)), std::istreambuf_iterator<char>());
  CHECK(content == "artifact through serve\n");
  const ProcessResult show = c.cli({"show", "job-1"});
  INFO(show.out);
  // sha256 of "artifact through serve\n", once for the input and once for the output
  const std::string sha = run_process({"sh", "-c", "printf 'artifact through serve\\n' | sha256sum"}).out.substr(0, 64);
  size_t count = 0;
  for (size_t pos = show.out.find(sha); pos != std::string::npos; pos = show.out.find(sha, pos + 1)) ++count;
  CHECK(count == 2);
}
