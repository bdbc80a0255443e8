// The Docker executor running real jobs on a real daemon, driven through the C ABI like the host drives it.
#include "docker_fixture.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

using namespace hodei::test;

namespace {

void check_contract(const TestSink &sink) {
  const std::vector<std::string> v = sink.violations();
  INFO("sink contract violations: " << v.size() << (v.empty() ? "" : " first: " + v.front()));
  CHECK(v.empty());
}

} // namespace

TEST_CASE("docker: exit codes decide the outcome, continue_on_error goes on", "[docker][integration]") {
  HODEI_REQUIRE_DOCKER(socket);
  DockerFixture f(socket);
  TempDir ws;

  SECTION("all steps succeed") {
    JobDef def = f.job(ws);
    def.steps = {{"one", "true"}, {"two", "echo two"}};
    TestSink sink;
    RunningJob job(*f.executor, def, sink);
    const hodei_job_result r = finish(job);
    CHECK(r.outcome == HODEI_OUTCOME_SUCCEEDED);
    CHECK(r.exit_code == 0);
    CHECK(r.steps_run == 2);
    CHECK(sink.out() == "two\n");
    check_contract(sink);
  }
  SECTION("a failing step stops the job") {
    JobDef def = f.job(ws);
    def.steps = {
        {"ok", "exit 0"}, {"tolerated", "echo before; exit 3", true}, {"fails", "exit 5"}, {"never", "echo never"}};
    TestSink sink;
    RunningJob job(*f.executor, def, sink);
    const hodei_job_result r = finish(job);
    CHECK(r.outcome == HODEI_OUTCOME_FAILED);
    CHECK(r.exit_code == 5);
    CHECK(r.term_signal == 0);
    CHECK(r.steps_run == 3);
    const auto steps = sink.finished();
    REQUIRE(steps.size() == 3);
    CHECK(steps[0].exit_code == 0);
    CHECK(steps[1].exit_code == 3);
    CHECK(steps[2].exit_code == 5);
    CHECK(steps[2].started_unix_ms > 0);
    CHECK(sink.out() == "before\n");
    check_contract(sink);
  }
  SECTION("a command that does not exist") {
    JobDef def = f.job(ws);
    def.steps = {{"missing", "no-such-command-here"}};
    TestSink sink;
    RunningJob job(*f.executor, def, sink);
    const hodei_job_result r = finish(job);
    CHECK(r.outcome == HODEI_OUTCOME_FAILED);
    CHECK(r.exit_code == 127);
    CHECK_THAT(sink.err(), Catch::Contains("no-such-command-here"));
    CHECK(f.containers_of(def.id) == 0);
  }
  SECTION("a working_dir that does not exist in the container") {
    JobDef def = f.job(ws);
    StepDef step{"nowhere", "pwd"};
    step.working_dir = "not/there";
    def.steps = {step};
    TestSink sink;
    RunningJob job(*f.executor, def, sink);
    const hodei_job_result r = finish(job);
    CHECK(r.outcome == HODEI_OUTCOME_FAILED);
    CHECK(r.exit_code == 126); // the daemon's "cannot start" code; its message comes in the stream
    CHECK_THAT(sink.out() + sink.err(), Catch::Contains("/workspace/not/there"));
  }
}

TEST_CASE("docker: stdout and stderr stay apart", "[docker][integration]") {
  HODEI_REQUIRE_DOCKER(socket);
  DockerFixture f(socket);
  TempDir ws;
  JobDef def = f.job(ws);
  def.steps = {{"streams", "echo out1; echo err1 >&2; printf out2; printf err2 >&2; echo; echo err3 1>&2"}};
  TestSink sink;
  RunningJob job(*f.executor, def, sink);
  const hodei_job_result r = finish(job);
  CHECK(r.outcome == HODEI_OUTCOME_SUCCEEDED);
  CHECK(sink.out() == "out1\nout2\n");
  CHECK(sink.err() == "err1\nerr2err3\n");
  check_contract(sink);
}

TEST_CASE("docker: 50 MB of step output arrive byte-exact", "[docker][integration]") {
  HODEI_REQUIRE_DOCKER(socket);
  DockerFixture f(socket);
  TempDir ws;
  JobDef def = f.job(ws);
  // Random bytes (any frame-boundary or demux bug shows in the hash), with stderr chatter interleaved.
  def.steps = {{"generate", "head -c 52428800 /dev/urandom > /workspace/blob"},
               {"cat", "echo starting >&2; cat /workspace/blob; echo done >&2"}};
  TestSink sink(/*keep_bytes=*/false);
  const auto t0 = std::chrono::steady_clock::now();
  RunningJob job(*f.executor, def, sink);
  const hodei_job_result r = finish(job, 120s);
  const double elapsed = seconds_since(t0);
  CHECK(r.outcome == HODEI_OUTCOME_SUCCEEDED);
  CHECK(sink.out_size() == 52428800);
  CHECK(sink.out_sha256() == sha256_of_file(ws.path() + "/blob"));
  CHECK(sink.err() == "starting\ndone\n");
  check_contract(sink);
  WARN("50 MB job took " << elapsed << " s");
}

namespace {

// Resident memory of this process (the plugin runs in it), in bytes.
int64_t resident_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  }
  return -1;
}

} // namespace

TEST_CASE("docker: a slow sink holds the step back instead of buffering", "[docker][integration]") {
  HODEI_REQUIRE_DOCKER(socket);
  DockerFixture f(socket);
  TempDir ws;
  JobDef def = f.job(ws);
  // 12 MiB as fast as the step can write them, timed by the step itself.
  def.steps = {
      {"flood", "s=$(date +%s); head -c 12582912 /dev/zero; e=$(date +%s); echo $((e - s)) > /workspace/secs"}};
  TestSink sink(/*keep_bytes=*/false);
  sink.throttle(3u << 20); // the "host" takes 3 MiB/s: about 4 s for everything
  const int64_t rss_before = resident_bytes();
  RunningJob job(*f.executor, def, sink);
  const hodei_job_result r = finish(job, 120s);
  const int64_t rss_growth = resident_bytes() - rss_before;
  CHECK(r.outcome == HODEI_OUTCOME_SUCCEEDED);
  CHECK(sink.out_size() == 12582912);
  // Without backpressure the step would be done writing in well under a second (the daemon would buffer it all).
  const int step_secs = std::stoi(read_file(ws.path() + "/secs"));
  CHECK(step_secs >= 2);
  CHECK(rss_growth < (16 << 20)); // one read buffer, not the output
  WARN("throttled sink: the step spent " << step_secs << " s writing 12 MiB; RSS grew " << rss_growth / 1024 << " KiB");
}

TEST_CASE("docker: env and secrets reach the step, never the container's config", "[docker][integration]") {
  HODEI_REQUIRE_DOCKER(socket);
  DockerFixture f(socket);
  TempDir ws;
  JobDef def = f.job(ws);
  const std::string secret = "s3cr3t-7f1e9a";
  def.env = {{"FOO", "plain-value"}, {"OVERRIDDEN", "job"}};
  def.secrets = {{"TOKEN", secret}};
  StepDef step{"show", "echo \"foo=$FOO token=$TOKEN over=$OVERRIDDEN ci=$CI job=$HODEI_JOB_ID\"; echo ready; "
                       "while [ ! -e /workspace/go ]; do sleep 0.05; done"};
  step.env = {{"OVERRIDDEN", "step"}};
  def.steps = {step};
  TestSink sink;
  RunningJob job(*f.executor, def, sink);
  REQUIRE(job.status() == HODEI_OK);
  REQUIRE(sink.wait_for_output("ready", 60s));

  // While the step runs: everything the daemon shows about the container.
  const nlohmann::json list = f.api.list_containers({"dev.hodei.job-id=" + def.id});
  REQUIRE(list.size() == 1);
  const nlohmann::json inspect = f.api.inspect_container(list[0]["Id"]);
  const std::string everything = inspect.dump() + list.dump();
  CHECK(everything.find(secret) == std::string::npos);
  CHECK(everything.find("plain-value") == std::string::npos); // env goes to the exec only, too
  CHECK(inspect["Config"]["Labels"]["dev.hodei.managed"] == "true");
  CHECK(inspect["Config"]["Labels"]["dev.hodei.worker-id"] == f.host.worker_id());
  CHECK(inspect["Config"]["Labels"]["dev.hodei.job-id"] == def.id);
  CHECK(inspect["HostConfig"]["Init"] == true);
  CHECK(inspect["HostConfig"]["NetworkMode"] == "none");
  CHECK(inspect["Config"]["WorkingDir"] == "/workspace");

  std::ofstream(ws.path() + "/go").put('\n');
  const hodei_job_result r = finish(job);
  CHECK(r.outcome == HODEI_OUTCOME_SUCCEEDED);
  CHECK(sink.out() == "foo=plain-value token=" + secret + " over=step ci=true job=" + def.id + "\nready\n");
  for (const std::string &line : f.host.logs()) CHECK(line.find(secret) == std::string::npos);
  check_contract(sink);
}

TEST_CASE("docker: the workspace is shared with the host and is the working dir", "[docker][integration]") {
  HODEI_REQUIRE_DOCKER(socket);
  DockerFixture f(socket);
  TempDir ws;
  std::ofstream(ws.path() + "/from-host.txt") << "written by the host\n";
  JobDef def = f.job(ws);
  StepDef in_sub{"sub", "pwd > /workspace/pwd.txt; cat /workspace/from-host.txt"};
  in_sub.working_dir = "sub/dir";
  def.steps = {{"write", "pwd; echo hello > from-container.txt; mkdir -p sub/dir"}, in_sub};
  TestSink sink;
  RunningJob job(*f.executor, def, sink);
  const hodei_job_result r = finish(job);
  CHECK(r.outcome == HODEI_OUTCOME_SUCCEEDED);
  CHECK(read_file(ws.path() + "/from-container.txt") == "hello\n");
  CHECK(read_file(ws.path() + "/pwd.txt") == "/workspace/sub/dir\n");
  CHECK(sink.out() == "/workspace\nwritten by the host\n");
}

TEST_CASE("docker: entrypoint, shell and user options shape the step", "[docker][integration]") {
  HODEI_REQUIRE_DOCKER(socket);
  DockerFixture f(socket);
  TempDir ws;
  ::chmod(ws.path().c_str(), 0777); // the step runs as nobody
  JobDef def = f.job(ws, R"("entrypoint": ["/bin/env", "WRAPPED=yes"], "shell": ["/bin/sh", "-e", "-c"],
                            "user": "65534:65534", "read_only_rootfs": true, "cap_drop": ["ALL"],
                            "no_new_privileges": true, "pids_limit": 64, "cpus": 0.5, "memory": "64m")");
  def.steps = {{"who", "echo wrapped=$WRAPPED uid=$(id -u) gid=$(id -g); "
                       "touch /rootfs-file 2>/dev/null || echo read-only; "
                       "grep -E '^(NoNewPrivs|CapEff)' /proc/self/status; false; echo not-reached"}};
  TestSink sink;
  RunningJob job(*f.executor, def, sink);
  const hodei_job_result r = finish(job);
  CHECK(r.outcome == HODEI_OUTCOME_FAILED); // `sh -e` stops at `false`
  CHECK(r.exit_code == 1);
  const std::string out = sink.out();
  CHECK_THAT(out, Catch::StartsWith("wrapped=yes uid=65534 gid=65534\nread-only\n"));
  CHECK_THAT(out, Catch::Matches("(.|\\n)*NoNewPrivs:\\s+1(.|\\n)*"));
  CHECK_THAT(out, Catch::Matches("(.|\\n)*CapEff:\\s+0000000000000000(.|\\n)*"));
  CHECK_THAT(out, !Catch::Contains("not-reached"));
}

TEST_CASE("docker: graceful cancel sends SIGTERM to the step and removes the container", "[docker][integration]") {
  HODEI_REQUIRE_DOCKER(socket);
  DockerFixture f(socket);
  TempDir ws;
  JobDef def = f.job(ws);
  def.steps = {{"waits", "trap 'echo got-term; exit 42' TERM; echo ready; sleep 60 & wait"}, {"never", "echo no"}};
  TestSink sink;
  RunningJob job(*f.executor, def, sink);
  REQUIRE(job.status() == HODEI_OK);
  REQUIRE(sink.wait_for_output("ready", 60s));
  constexpr uint32_t kGraceMs = 5000;
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(job.cancel(HODEI_CANCEL_GRACEFUL, kGraceMs) == HODEI_OK);
  const hodei_job_result r = finish(job, std::chrono::milliseconds(kGraceMs) + 10s);
  const double elapsed = seconds_since(t0);
  CHECK(r.outcome == HODEI_OUTCOME_CANCELLED);
  CHECK(r.steps_run == 1);
  CHECK(sink.out() == "ready\ngot-term\n"); // the step's trap ran: it got SIGTERM, not SIGKILL
  REQUIRE(sink.finished().size() == 1);
  CHECK(sink.finished()[0].exit_code == 42);
  CHECK(elapsed < kGraceMs / 1000.0 + 1.0);
  CHECK(f.containers_of(def.id) == 0);                  // gone by the time wait returned
  CHECK(job.cancel(HODEI_CANCEL_FORCE, 0) == HODEI_OK); // idempotent, and fine after the end
  check_contract(sink);
  WARN("graceful cancel: job ended and container removed " << elapsed << " s after cancel");
}

TEST_CASE("docker: a step ignoring SIGTERM is killed when the grace period ends", "[docker][integration]") {
  HODEI_REQUIRE_DOCKER(socket);
  DockerFixture f(socket);
  TempDir ws;
  JobDef def = f.job(ws);
  def.steps = {{"stubborn", "trap '' TERM; echo ready; sleep 60; echo survived"}};
  TestSink sink;
  RunningJob job(*f.executor, def, sink);
  REQUIRE(job.status() == HODEI_OK);
  REQUIRE(sink.wait_for_output("ready", 60s));
  constexpr uint32_t kGraceMs = 1500;
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(job.cancel(HODEI_CANCEL_GRACEFUL, kGraceMs) == HODEI_OK);
  const hodei_job_result r = finish(job, 30s);
  const double elapsed = seconds_since(t0);
  CHECK(r.outcome == HODEI_OUTCOME_CANCELLED);
  CHECK(r.term_signal == SIGKILL);
  CHECK(elapsed >= kGraceMs / 1000.0 - 0.1);
  // grace + 1 s, plus slack for a noisy shared machine; the container must be gone either way.
  CHECK(elapsed < kGraceMs / 1000.0 + 3.0);
  CHECK(f.containers_of(def.id) == 0);
  CHECK_THAT(sink.out(), !Catch::Contains("survived"));
  WARN("grace " << kGraceMs << " ms: job ended and container removed " << elapsed << " s after cancel");
}

TEST_CASE("docker: a job timing out is cancelled by force and cleaned up", "[docker][integration]") {
  HODEI_REQUIRE_DOCKER(socket);
  DockerFixture f(socket);
  TempDir ws;
  JobDef def = f.job(ws);
  def.steps = {{"forever", "echo ready; sleep 600"}};
  TestSink sink;
  RunningJob job(*f.executor, def, sink);
  REQUIRE(job.status() == HODEI_OK);
  REQUIRE(sink.wait_for_output("ready", 60s));
  // The host's job timeout: wait says TIMEOUT, then the host cancels.
  CHECK_FALSE(job.wait(500ms).has_value());
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(job.cancel(HODEI_CANCEL_FORCE, 0) == HODEI_OK);
  const hodei_job_result r = finish(job, 30s);
  const double elapsed = seconds_since(t0);
  CHECK(r.outcome == HODEI_OUTCOME_CANCELLED);
  CHECK(elapsed < 3.0);
  CHECK(f.containers_of(def.id) == 0);
}

TEST_CASE("docker: destroying a running job removes its container", "[docker][integration]") {
  HODEI_REQUIRE_DOCKER(socket);
  DockerFixture f(socket);
  TempDir ws;
  JobDef def = f.job(ws);
  def.steps = {{"forever", "echo ready; sleep 600"}};
  TestSink sink;
  RunningJob job(*f.executor, def, sink);
  REQUIRE(job.status() == HODEI_OK);
  REQUIRE(sink.wait_for_output("ready", 60s));
  CHECK(f.containers_of(def.id) == 1);
  const auto t0 = std::chrono::steady_clock::now();
  job.destroy();
  CHECK(seconds_since(t0) < 5.0);
  CHECK(f.containers_of(def.id) == 0);
}

TEST_CASE("docker: signal reaches the running step", "[docker][integration]") {
  HODEI_REQUIRE_DOCKER(socket);
  DockerFixture f(socket);
  TempDir ws;
  JobDef def = f.job(ws);
  def.steps = {{"waits", "trap 'echo got-usr1; exit 0' USR1; echo ready; sleep 60 & wait"}};
  TestSink sink;
  RunningJob job(*f.executor, def, sink);
  REQUIRE(job.status() == HODEI_OK);
  REQUIRE(sink.wait_for_output("ready", 60s));
  std::string message;
  CHECK(job.signal(SIGWINCH, &message) == HODEI_ERR_UNSUPPORTED);
  CHECK_THAT(message, Catch::Contains("signal 28"));
  CHECK(job.signal(SIGUSR1) == HODEI_OK);
  const hodei_job_result r = finish(job, 30s);
  CHECK(r.outcome == HODEI_OUTCOME_SUCCEEDED);
  CHECK(sink.out() == "ready\ngot-usr1\n");
  CHECK(job.signal(SIGUSR1) == HODEI_ERR_NOT_FOUND);
}

TEST_CASE("docker: a memory hog is reported as killed for running out of memory", "[docker][integration]") {
  HODEI_REQUIRE_DOCKER(socket);
  DockerFixture f(socket);
  TempDir ws;
  JobDef def = f.job(ws, R"("memory": "32m")");
  def.steps = {{"hog", "echo start; x=aaaaaaaaaaaaaaaa; while :; do x=$x$x; done"}, {"never", "echo no"}};
  TestSink sink;
  RunningJob job(*f.executor, def, sink);
  const hodei_job_result r = finish(job, 120s);
  CHECK(r.outcome == HODEI_OUTCOME_FAILED);
  CHECK(r.oom_killed == 1);
  CHECK(r.term_signal == SIGKILL);
  CHECK(r.steps_run == 1);
  REQUIRE(sink.finished().size() == 1);
  CHECK(sink.finished()[0].oom_killed == 1);
  CHECK(sink.finished()[0].exit_code == 137);
  CHECK_THAT(sink.err(), Catch::Contains("OOM killer") && Catch::Contains("docker.memory"));
  CHECK(f.host.logged("OOM killer"));
  CHECK(f.containers_of(def.id) == 0);
}

TEST_CASE("docker: an image that is missing with pull never is a clear error", "[docker][integration]") {
  HODEI_REQUIRE_DOCKER(socket);
  DockerFixture f(socket);
  TempDir ws;
  JobDef def = f.job(ws, "", "hodei-test/does-not-exist:1");
  def.steps = {{"never", "echo no"}};
  TestSink sink;
  RunningJob job(*f.executor, def, sink);
  const hodei_job_result r = finish(job);
  CHECK(r.outcome == HODEI_OUTCOME_ERROR);
  CHECK(r.steps_run == 0);
  CHECK_THAT(std::string(r.message),
             Catch::Contains("docker.image: image \"hodei-test/does-not-exist:1\" is not present on the Docker "
                             "daemon and docker.pull is \"never\""));
  CHECK(sink.started().empty());
}

TEST_CASE("docker: an image without /bin/sh is a clear error", "[docker][integration]") {
  HODEI_REQUIRE_DOCKER(socket);
  DockerFixture f(socket);
  using hodei::docker::HttpMethod;
  // The test image minus /bin/sh, made through the API: run `rm /bin/sh`, commit the result.
  const nlohmann::json body = {
      {"Image", test_image()}, {"Entrypoint", {"/bin/rm", "/bin/sh"}}, {"HostConfig", {{"NetworkMode", "none"}}}};
  const std::string builder = f.api.create_container(body, unique_job_id("hodei-nosh-builder"));
  f.api.start_container(builder);
  f.api.call(HttpMethod::post, "/containers/" + builder + "/wait", "waiting for the builder");
  const std::string tag = unique_job_id("t");
  f.api.call(HttpMethod::post, "/commit?container=" + builder + "&repo=hodei-test%2Fnosh&tag=" + tag, "committing");
  f.api.remove_container(builder);
  const std::string image = "hodei-test/nosh:" + tag;

  TempDir ws;
  JobDef def = f.job(ws, "", image);
  def.steps = {{"hello", "echo hello"}};
  TestSink sink;
  RunningJob job(*f.executor, def, sink);
  const hodei_job_result r = finish(job);
  f.api.call(HttpMethod::del, "/images/" + image + "?force=true", "removing the image");
  CHECK(r.outcome == HODEI_OUTCOME_ERROR);
  CHECK_THAT(std::string(r.message), Catch::Contains("the image needs /bin/sh and sleep"));
  CHECK_THAT(sink.err(), Catch::Contains("the image needs /bin/sh and sleep"));
  CHECK(f.containers_of(def.id) == 0);
}

TEST_CASE("docker: a failing pull is a clear error with the daemon's message", "[docker][integration]") {
  HODEI_REQUIRE_DOCKER(socket);
  DockerFixture f(socket);
  TempDir ws;
  JobDef def = f.job(ws);
  def.options_json = R"({"image": "hodei-test/does-not-exist:1"})"; // if-not-present: tries the registry
  def.steps = {{"never", "echo no"}};
  TestSink sink;
  RunningJob job(*f.executor, def, sink);
  const hodei_job_result r = finish(job, 120s);
  CHECK(r.outcome == HODEI_OUTCOME_ERROR);
  CHECK_THAT(std::string(r.message), Catch::StartsWith("pulling image hodei-test/does-not-exist:1: "));
  CHECK(std::string(r.message).size() > std::string("pulling image hodei-test/does-not-exist:1: ").size() + 10);
  CHECK(sink.started().empty());
  WARN("pull error: " << r.message);
}

TEST_CASE("docker: bad options are refused by validate and start, naming the field", "[docker][integration]") {
  HODEI_REQUIRE_DOCKER(socket);
  DockerFixture f(socket);
  TempDir ws;
  JobDef def = f.job(ws, R"("memory": "lots")");
  def.steps = {{"never", "echo no"}};
  char message[512] = {};
  hodei_error err{sizeof(hodei_error), sizeof message, message};
  CHECK(f.executor->api().validate(f.executor->ctx(), &def.c(), &err) == HODEI_ERR_INVALID_ARGUMENT);
  CHECK_THAT(std::string(message), Catch::StartsWith("docker.memory: expected a size like \"512m\""));
  TestSink sink;
  RunningJob job(*f.executor, def, sink);
  CHECK(job.status() == HODEI_ERR_INVALID_ARGUMENT);
  CHECK_THAT(job.error(), Catch::StartsWith("docker.memory:"));
  CHECK(f.containers_of(def.id) == 0);
}

TEST_CASE("docker: four jobs at once", "[docker][integration]") {
  HODEI_REQUIRE_DOCKER(socket);
  DockerFixture f(socket);
  constexpr int kJobs = 4;
  std::vector<std::unique_ptr<TempDir>> workspaces;
  std::vector<JobDef> defs;
  std::vector<std::unique_ptr<TestSink>> sinks;
  std::vector<std::unique_ptr<RunningJob>> jobs;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kJobs; ++i) {
    workspaces.push_back(std::make_unique<TempDir>());
    defs.push_back(f.job(*workspaces.back()));
    defs.back().env = {{"N", std::to_string(i)}};
    defs.back().steps = {{"first", "echo job $N; sleep 1"}, {"second", "echo $N > /workspace/n; echo err $N >&2"}};
  }
  for (int i = 0; i < kJobs; ++i) {
    sinks.push_back(std::make_unique<TestSink>());
    jobs.push_back(std::make_unique<RunningJob>(*f.executor, defs[static_cast<size_t>(i)], *sinks.back()));
  }
  for (int i = 0; i < kJobs; ++i) {
    const auto u = static_cast<size_t>(i);
    const hodei_job_result r = finish(*jobs[u], 120s);
    CHECK(r.outcome == HODEI_OUTCOME_SUCCEEDED);
    CHECK(sinks[u]->out() == "job " + std::to_string(i) + "\n");
    CHECK(sinks[u]->err() == "err " + std::to_string(i) + "\n");
    CHECK(read_file(workspaces[u]->path() + "/n") == std::to_string(i) + "\n");
    check_contract(*sinks[u]);
    CHECK(f.containers_of(defs[u].id) == 0);
  }
  WARN(kJobs << " concurrent jobs (each sleeping 1 s) took " << seconds_since(t0) << " s");
}
