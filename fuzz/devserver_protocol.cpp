// Fuzz target: the devserver's handling of what a worker sends on its job stream. Every input is one job stream of
// a registered worker, against a fresh ControlPlane (data folder under $TMPDIR) that holds one queued job, "job-1"
// (a Credits message gets it assigned under epoch 1). Input: the WorkerMessages after Hello, each as field 1 of a
// length-delimited record (0x0a, varint length, serialized WorkerMessage): the wire form of
// `message { repeated WorkerMessage messages = 1; }`. Each goes through dispatch_worker_message, exactly as the
// gRPC handler applies it (devserver/rpc/stream_dispatch.hpp).
// Invariants:
//   - a message is applied, refused or counted as malformed: nothing throws (a throw would end the stream with
//     INTERNAL);
//   - after every message: a leased job has a holder and an epoch >= 1; a job's committed log bytes read back whole;
//   - every queued ServerEvent maps to a ServerMessage (server_message_to_proto), a LogAck never acknowledges more
//     than is committed;
//   - a restart on the same data folder loads the same jobs.
#include "devserver/core/control_plane.hpp"
#include "devserver/core/job_state.hpp"
#include "devserver/rpc/stream_dispatch.hpp"
#include "devserver/rpc/stream_mapping.hpp"
#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/stubs/logging.h>
#include <memory>
#include <spdlog/spdlog.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using namespace hodei::devserver;
namespace v1 = hodei::worker::v1;
namespace fs = std::filesystem;

constexpr size_t kMaxMessages = 64;

// The records of the input; stops at the first one that is not a WorkerMessage.
std::vector<v1::WorkerMessage> messages_of(const uint8_t *data, size_t size) {
  std::vector<v1::WorkerMessage> out;
  google::protobuf::io::CodedInputStream in(data, static_cast<int>(size));
  while (out.size() < kMaxMessages) {
    const uint32_t tag = in.ReadTag();
    if (tag != ((1U << 3) | 2U)) break; // field 1, length-delimited
    uint32_t length = 0;
    if (!in.ReadVarint32(&length)) break;
    const auto limit = in.PushLimit(static_cast<int>(length));
    v1::WorkerMessage message;
    if (!message.ParseFromCodedStream(&in) || !in.ConsumedEntireMessage()) break;
    in.PopLimit(limit);
    out.push_back(std::move(message));
  }
  return out;
}

// A folder for all inputs of this process, removed at exit; one subfolder per input.
class ScratchDir {
public:
  ScratchDir() {
    const char *tmp = std::getenv("TMPDIR"); // NOLINT(concurrency-mt-unsafe): nothing sets it
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/hodei-fuzz-devserver.XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    base_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(base_, ignored);
  }
  ScratchDir(const ScratchDir &) = delete;
  ScratchDir &operator=(const ScratchDir &) = delete;

  fs::path next() { return base_ / std::to_string(count_++); }

private:
  fs::path base_;
  uint64_t count_ = 0;
};

ControlPlaneOptions options_for(const fs::path &dir) {
  ControlPlaneOptions options;
  options.data_dir = dir;
  options.lease_timeout = std::chrono::hours(1); // nothing expires during one input
  options.log_sync = LogSync::os;
  options.server_version = "fuzz";
  return options;
}

WorkerRegistration registration() {
  WorkerRegistration r;
  r.name = "fuzz-worker";
  r.version = "0.0.0";
  r.protocol_versions = {1};
  r.features = {"resume", "log-acks"};
  r.capacity = 2;
  PluginRecord shell;
  shell.id = "dev.hodei.executor.shell";
  shell.short_name = "shell";
  shell.version = "1.0.0";
  shell.abi_version = "1.0";
  r.executors.push_back(shell);
  return r;
}

void check_state(const ControlPlane &control_plane) {
  for (const JobRecord &job : control_plane.list_jobs()) {
    if (is_leased(job.state)) {
      FUZZ_CHECK(!job.worker_id.empty(), "a leased job has a holder");
      FUZZ_CHECK(job.lease_epoch >= 1, "a leased job has an epoch >= 1");
    }
    for (const LogStream stream : {LogStream::out, LogStream::err, LogStream::system}) {
      const uint64_t committed = control_plane.log_committed(job.id, stream);
      FUZZ_CHECK(control_plane.read_log(job.id, stream, 0, committed + 1).size() == committed,
                 "committed log bytes read back whole");
    }
  }
}

void drain_outbox(Outbox &outbox, const ControlPlane &control_plane) {
  outbox.close();
  while (auto event = outbox.pop()) {
    const v1::ServerMessage message = hodei::devserver::rpc::server_message_to_proto(*event);
    FUZZ_CHECK(message.payload_case() != v1::ServerMessage::PAYLOAD_NOT_SET, "every event maps to a message");
    if (const auto *ack = std::get_if<LogAckOut>(&*event)) {
      FUZZ_CHECK(ack->committed_offset <= control_plane.log_committed(ack->lease.job_id, ack->stream),
                 "a LogAck acknowledges only committed bytes");
    }
  }
}

void run(const fs::path &dir, std::vector<v1::WorkerMessage> &messages) {
  std::vector<JobRecord> jobs_before_restart;
  {
    ControlPlane control_plane(options_for(dir));
    const auto registered = std::get<RegisterAccepted>(control_plane.register_worker(registration()));
    (void)control_plane.submit(R"({"name": "fuzz", "executor": "shell", "steps": [{"name": "s", "run": "true"}]})", {});
    auto outbox = std::make_shared<Outbox>();
    const auto opened = control_plane.open_stream(registered.worker_id, registered.session_id, outbox, [] {});
    const StreamId stream = std::get<StreamId>(opened);
    bool resumed = false;
    for (v1::WorkerMessage &message : messages) {
      hodei::devserver::rpc::dispatch_worker_message(control_plane, stream, message, resumed);
      check_state(control_plane);
    }
    drain_outbox(*outbox, control_plane);
    (void)control_plane.close_stream(stream);
    jobs_before_restart = control_plane.list_jobs();
    // To see how far a seed gets. NOLINTNEXTLINE(concurrency-mt-unsafe): nothing sets the environment
    if (std::getenv("HODEI_FUZZ_VERBOSE") != nullptr) {
      for (const JobRecord &job : jobs_before_restart) {
        std::fprintf(stderr, "%s epoch %llu: %s\n", job.id.c_str(), static_cast<unsigned long long>(job.lease_epoch),
                     std::string(to_string(job.state)).c_str());
      }
    }
  }
  const ControlPlane restarted(options_for(dir));
  FUZZ_CHECK(restarted.list_jobs() == jobs_before_restart, "a restart loads the jobs as they were");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const bool quiet = (google::protobuf::SetLogHandler(nullptr), true); // invalid UTF-8 is logged
  (void)quiet;
  static ScratchDir scratch;
  spdlog::set_level(spdlog::level::off); // the control plane logs every refusal
  std::vector<v1::WorkerMessage> messages = messages_of(data, size);
  const fs::path dir = scratch.next();
  run(dir, messages);
  fs::remove_all(dir);
  return 0;
}
