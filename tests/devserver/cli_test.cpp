// The real hodei-devserver binary: serve, submit --follow (live logs, exit code from the outcome), jobs, logs,
// stats, cancel, show; a wrong token and an invalid spec; SIGTERM. The worker side is played by WorkerClient.
#include "server_fixture.hpp"
#include "subprocess.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <unistd.h>

using namespace hodei::devserver;
using namespace hodei::devserver::test;
using hodei::test::BackgroundProcess;
using hodei::test::ProcessResult;
using hodei::test::run_process;

namespace {

const std::string kBinary = std::string(HODEI_BINARY_DIR) + "/bin/hodei-devserver";

// A port that was free a moment ago (the OS picks it; the socket is closed before the server binds it).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) == 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

std::vector<std::string> client(const std::string &address, std::vector<std::string> command,
                                const std::string &token = "t0k") {
  std::vector<std::string> argv{kBinary};
  argv.insert(argv.end(), command.begin(), command.end());
  argv.insert(argv.end(), {"--server", address, "--token", token});
  return argv;
}

// Plays the worker for one assigned job: accept, run, write `out`/`err`, finish with `outcome`.
void run_assigned_job(WorkerClient &worker, const std::string &out, const std::string &err, v1::JobOutcome outcome) {
  const auto assignment = worker.wait_for(v1::ServerMessage::kAssignment);
  REQUIRE(assignment);
  const v1::JobLease held = assignment->assignment().lease();
  REQUIRE(worker.accept(held));
  REQUIRE(worker.status(held, v1::JOB_PHASE_RUNNING, 0));
  REQUIRE(worker.log(held, v1::LOG_STREAM_STDOUT, 0, out));
  REQUIRE(worker.log(held, v1::LOG_STREAM_STDERR, 0, err));
  REQUIRE(worker.wait_for_ack(held.job_id(), v1::LOG_STREAM_STDERR, err.size()));
  REQUIRE(worker.finish(held, outcome, {{v1::LOG_STREAM_STDOUT, out.size()}, {v1::LOG_STREAM_STDERR, err.size()}},
                        outcome == v1::JOB_OUTCOME_SUCCEEDED ? 0 : 2));
  REQUIRE(worker.wait_for(v1::ServerMessage::kResultAck));
  REQUIRE(worker.send_credits(1));
}

} // namespace

TEST_CASE("hodei-devserver: serve, submit --follow and the admin commands", "[devserver][cli]") {
  TempDir dir;
  const std::string spec = (dir.path() / "job.json").string();
  std::ofstream(spec) << job_json("cli-job");
  const std::string address = "127.0.0.1:" + std::to_string(free_port());
  BackgroundProcess serve({kBinary, "serve", "--listen", address, "--data-dir", (dir.path() / "data").string(),
                           "--token", "t0k", "--lease-timeout", "10s"});
  REQUIRE(serve.wait_for_output("listening " + address, kWait));

  WorkerClientOptions options;
  options.address = address;
  options.token = "t0k";
  options.name = "a-worker-name-longer-than-the-old-20-character-column"; // must not run into the next column
  auto worker = connected_worker(options);
  REQUIRE(worker->send_credits(1));

  // A succeeding job: its stdout on stdout, its stderr on stderr, exit code 0.
  BackgroundProcess succeeding(client(address, {"submit", spec, "--follow"}));
  run_assigned_job(*worker, "hello from the job\n", "a warning\n", v1::JOB_OUTCOME_SUCCEEDED);
  ProcessResult result = succeeding.wait(kWait);
  CHECK(result.exit_code == 0);
  CHECK(result.out == "hello from the job\n");
  CHECK_THAT(result.err, Catch::Contains("a warning\n") && Catch::Contains("job-1 succeeded"));

  // A failing job: exit code 1.
  BackgroundProcess failing(client(address, {"submit", spec, "--follow"}));
  run_assigned_job(*worker, "", "boom\n", v1::JOB_OUTCOME_FAILED);
  result = failing.wait(kWait);
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.err, Catch::Contains("boom"));

  // Without --follow: prints the id. No worker has the label, so the job stays queued and cancels at once.
  result = run_process(client(address, {"submit", spec, "--label", "zone=nowhere"}), kWait);
  CHECK(result.exit_code == 0);
  CHECK(result.out == "job-3\n");
  result = run_process(client(address, {"cancel", "job-3", "--reason", "changed my mind"}), kWait);
  CHECK(result.exit_code == 0);
  CHECK(result.out == "job-3: cancelled\n");

  result = run_process(client(address, {"jobs"}), kWait);
  CHECK(result.exit_code == 0);
  CHECK_THAT(result.out, Catch::Contains("job-1") && Catch::Contains("succeeded") && Catch::Contains("failed") &&
                             Catch::Contains("cancelled"));
  result = run_process(client(address, {"workers"}), kWait);
  CHECK_THAT(result.out, Catch::Contains(worker->worker_id()) && Catch::Contains("shell"));
  {
    // The row splits into whitespace-separated fields (what scripts and awk rely on): id, name, session, stream.
    std::istringstream rows(result.out);
    std::string header;
    std::getline(rows, header);
    std::string id;
    std::string name;
    std::string session;
    std::string stream;
    rows >> id >> name >> session >> stream;
    CHECK(id == worker->worker_id());
    CHECK(name == options.name);
    CHECK(session == "alive");
    CHECK(stream == "yes");
  }
  result = run_process(client(address, {"logs", "job-1", "--stream", "stdout"}), kWait);
  CHECK(result.out == "hello from the job\n");
  result = run_process(client(address, {"show", "job-2"}), kWait);
  CHECK_THAT(result.out, Catch::Contains("JOB_STATE_FAILED") && Catch::Contains("\"exit_code\": 2"));
  result = run_process(client(address, {"stats"}), kWait);
  CHECK_THAT(result.out, Catch::Contains("log_gaps: 0") && Catch::Contains("assignments: 2"));

  // Refusals: a wrong token (exit 4), an invalid spec (exit 2, with the JSON path), an unknown job.
  result = run_process(client(address, {"jobs"}, "wrong"), kWait);
  CHECK(result.exit_code == 4);
  CHECK_THAT(result.err, Catch::Contains("bearer token"));
  const std::string bad = (dir.path() / "bad.json").string();
  std::ofstream(bad) << R"({"name": "x", "executor": "shell", "steps": []})";
  result = run_process(client(address, {"submit", bad}), kWait);
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.err, Catch::Contains("$.steps"));
  result = run_process(client(address, {"cancel", "job-99"}), kWait);
  CHECK(result.exit_code == 4);

  serve.signal(SIGTERM);
  result = serve.wait(kWait);
  CHECK(result.exit_code == 0);
  CHECK_THAT(result.err, Catch::Contains("stopped"));
}
