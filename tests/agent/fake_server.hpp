// A scripted control plane for protocol edge cases the devserver never produces (an assignment of an executor the
// worker does not have, over-assignment, stale epochs, log gaps): it registers any worker, records every message
// the worker sends on the job stream, acknowledges contiguous log bytes and results, and sends what a test queues.
// It accepts no optional protocol feature (like a server older than the worker).
#pragma once

#include "hodei/worker/v1/executor.grpc.pb.h"
#include "hodei/worker/v1/management.grpc.pb.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <grpcpp/server.h>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace hodei::test {

class FakeServer {
public:
  FakeServer(); // listens on 127.0.0.1:<free port>
  ~FakeServer();
  FakeServer(const FakeServer &) = delete;
  FakeServer &operator=(const FakeServer &) = delete;

  [[nodiscard]] std::string address() const { return address_; }
  // Queues a message for the worker's current (or next) job stream.
  void send(const worker::v1::ServerMessage &message);
  void assign(const std::string &job_id, uint64_t epoch, const worker::v1::JobSpec &spec);
  // Waits until some received message satisfies `match`; returns a copy of it.
  std::optional<worker::v1::WorkerMessage> wait_for(const std::function<bool(const worker::v1::WorkerMessage &)> &match,
                                                    std::chrono::milliseconds timeout);
  [[nodiscard]] std::vector<worker::v1::WorkerMessage> received() const;
  // Every RegisterRequest so far, oldest first.
  [[nodiscard]] std::vector<worker::v1::RegisterRequest> registrations() const;
  // Stop auto-acknowledging log chunks (the test sends its own LogAcks).
  void set_auto_ack(bool on);

  struct State;

private:
  std::shared_ptr<State> state_;
  std::unique_ptr<grpc::Service> management_;
  std::unique_ptr<grpc::Service> executor_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

} // namespace hodei::test
