// Test-only worker side of the protocol: plays a Hodei worker against a real devserver through real gRPC calls
// on loopback (Register/Heartbeat/Deregister, the Connect stream with Hello, Resume, Credits, job events).
// Not a worker: it runs nothing; each test drives it message by message.
//
// Threads: one reader thread per open stream (owned here), pushing ServerMessages into a queue the test pops with
// timeouts. close_stream()/the destructor end the stream and join it.
#pragma once

#include "hodei/worker/v1/executor.grpc.pb.h"
#include "hodei/worker/v1/management.grpc.pb.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/security/credentials.h>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hodei::devserver::test {

namespace v1 = hodei::worker::v1;

using namespace std::chrono_literals;

// Bound of every wait in these tests.
inline constexpr std::chrono::milliseconds kWait = 5s;

struct WorkerClientOptions {
  std::string address;
  std::optional<std::string> token;
  std::string name = "test-worker";
  uint32_t capacity = 4;
  std::vector<std::string> executors = {"shell"}; // short names; ids are "dev.hodei.executor.<name>"
  std::map<std::string, std::string> labels;
  std::optional<std::string> previous_worker_id;
  std::vector<uint32_t> protocol_versions = {1};
  std::vector<std::string> extra_features;               // asked for besides "resume" and "log-acks"
  int max_send_bytes = 4 * 1024 * 1024;                  // raise to send what the server must refuse
  std::shared_ptr<grpc::ChannelCredentials> credentials; // unset: plaintext
};

class WorkerClient {
public:
  explicit WorkerClient(WorkerClientOptions options);
  ~WorkerClient();
  WorkerClient(const WorkerClient &) = delete;
  WorkerClient &operator=(const WorkerClient &) = delete;

  // --- unary ---
  grpc::Status register_worker(v1::RegisterResponse *response = nullptr); // keeps worker/session ids when accepted
  grpc::Status heartbeat(const std::vector<v1::JobLease> &running, v1::HeartbeatResponse *response);
  v1::HeartbeatStatus heartbeat(); // OK/DRAIN/UNKNOWN_SESSION; fails the test on an RPC error
  grpc::Status deregister(const std::string &reason = "test");

  // --- stream ---
  // Opens Connect and sends Hello then Resume(jobs). Returns false if the stream could not start.
  bool connect(const std::vector<v1::ResumedJob> &resume = {});
  // Opens Connect and sends exactly `first` (for protocol violation tests).
  bool connect_raw(const v1::WorkerMessage &first);
  bool send(const v1::WorkerMessage &message);
  bool send_credits(uint32_t free_slots); // assignments_received = what this client got
  bool send_credits(uint32_t free_slots, uint64_t received);
  bool accept(const v1::JobLease &lease);
  bool reject(const v1::JobLease &lease, const std::string &reason,
              v1::RejectCode code = v1::REJECT_CODE_EXECUTOR_UNAVAILABLE);
  bool status(const v1::JobLease &lease, v1::JobPhase phase, std::optional<uint32_t> step = std::nullopt);
  bool log(const v1::JobLease &lease, v1::LogStream stream, uint64_t offset, const std::string &data);
  bool finish(const v1::JobLease &lease, v1::JobOutcome outcome, const std::map<v1::LogStream, uint64_t> &log_lengths,
              std::optional<int32_t> exit_code = 0);

  // Next server message (any kind) within `timeout`.
  std::optional<v1::ServerMessage> next(std::chrono::milliseconds timeout = kWait);
  // Next message of `kind`, dropping others on the way; nullopt on timeout.
  std::optional<v1::ServerMessage> wait_for(v1::ServerMessage::PayloadCase kind,
                                            std::chrono::milliseconds timeout = kWait);
  // LogAck for (job, stream) whose committed offset is `offset`, dropping others; false on timeout.
  bool wait_for_ack(const std::string &job_id, v1::LogStream stream, uint64_t offset,
                    std::chrono::milliseconds timeout = kWait);
  // Collects every message arriving within `window` (to check that nothing else comes).
  std::vector<v1::ServerMessage> drain_for(std::chrono::milliseconds window);

  // Half-closes and waits for the server to end the stream; returns the final status.
  grpc::Status close_stream();
  // Waits until the server ended the stream (reader saw the end); its status, or nullopt on timeout.
  std::optional<grpc::Status> wait_stream_end(std::chrono::milliseconds timeout = kWait);

  [[nodiscard]] const std::string &worker_id() const { return worker_id_; }
  [[nodiscard]] const std::string &session_id() const { return session_id_; }
  [[nodiscard]] uint64_t assignments_received() const;
  [[nodiscard]] uint64_t batches_received() const; // ServerBatch messages (their entries are in the inbox)

private:
  void authorize(grpc::ClientContext &context) const;
  bool start_stream();
  void reader_loop();
  void stop_stream();

  WorkerClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::WorkerManagementService::Stub> management_;
  std::unique_ptr<v1::JobExecutorService::Stub> executor_;
  std::string worker_id_;
  std::string session_id_;

  std::unique_ptr<grpc::ClientContext> stream_context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::WorkerMessage, v1::ServerMessage>> stream_;
  std::mutex write_mutex_;
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<v1::ServerMessage> inbox_;
  uint64_t assignments_received_ = 0;
  uint64_t batches_received_ = 0;
  bool stream_ended_ = false;
  std::optional<grpc::Status> stream_status_;
  std::thread reader_; // joined by stop_stream()
};

v1::JobLease lease(const std::string &job_id, uint64_t epoch);

} // namespace hodei::devserver::test
