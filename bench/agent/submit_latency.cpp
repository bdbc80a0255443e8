// submit -> result latency from inside one client process: RUNS times, SubmitJob of JOB.json then StreamLogs with
// follow until the final state (what `hodei-devserver submit --follow` does), on one warm channel, so the figure has
// no process start or connection set-up in it. Prints each run's latency in microseconds, one per line; exits 1 when
// a job does not succeed.
//
//   HODEI_DEVSERVER_TOKEN=... hodei-bench-submit-latency HOST:PORT JOB.json RUNS
#include "devserver/core/atomic_file.hpp"
#include "devserver/rpc/client_channel.hpp"
#include "hodei/worker/v1/admin.grpc.pb.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace v1 = hodei::worker::v1;
using Clock = std::chrono::steady_clock;

namespace {

// One job, submit to final state; false (with a message) unless it succeeded.
bool run_once(v1::AdminService::Stub &stub, const hodei::devserver::rpc::ClientOptions &client,
              const std::string &spec) {
  grpc::ClientContext submit_context;
  hodei::devserver::rpc::authorize(submit_context, client.token);
  v1::SubmitJobRequest request;
  request.set_spec_json(spec);
  v1::SubmitJobResponse response;
  const grpc::Status submitted = stub.SubmitJob(&submit_context, request, &response);
  if (!submitted.ok()) {
    std::fprintf(stderr, "SubmitJob: %s\n", submitted.error_message().c_str());
    return false;
  }
  grpc::ClientContext follow_context;
  hodei::devserver::rpc::authorize(follow_context, client.token);
  v1::StreamLogsRequest follow;
  follow.set_job_id(response.job_id());
  follow.set_follow(true);
  auto reader = stub.StreamLogs(&follow_context, follow);
  v1::LogView view;
  int final_state = v1::JOB_STATE_UNSPECIFIED;
  while (reader->Read(&view))
    if (view.has_final_state()) final_state = view.final_state();
  const grpc::Status followed = reader->Finish();
  if (!followed.ok() || final_state != v1::JOB_STATE_SUCCEEDED) {
    std::fprintf(stderr, "job %s: final state %d, stream: %s\n", response.job_id().c_str(), final_state,
                 followed.error_message().c_str());
    return false;
  }
  return true;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: HODEI_DEVSERVER_TOKEN=... hodei-bench-submit-latency HOST:PORT JOB.json RUNS\n");
    return 2;
  }
  hodei::devserver::rpc::ClientOptions client;
  client.server = argv[1];
  if (const char *token = std::getenv("HODEI_DEVSERVER_TOKEN")) client.token = token; // NOLINT(concurrency-mt-unsafe)
  const std::string spec = hodei::devserver::read_whole_file(argv[2]);
  const int runs = std::max(1, std::stoi(argv[3]));
  auto stub = v1::AdminService::NewStub(hodei::devserver::rpc::make_channel(client));
  if (!run_once(*stub, client, spec)) return 1; // warm-up: connection, first assignment; not counted
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    if (!run_once(*stub, client, spec)) return 1;
    std::printf("%lld\n", static_cast<long long>(
                              std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count()));
  }
  return 0;
}
