#include "fake_server.hpp"

#include <atomic>
#include <grpcpp/grpcpp.h>
#include <optional>
#include <thread>

namespace hodei::test {

namespace v1 = worker::v1;
using Clock = std::chrono::steady_clock;

struct FakeServer::State {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<v1::WorkerMessage> received;
  std::vector<v1::RegisterRequest> registrations;
  std::deque<v1::ServerMessage> outbox;
  std::map<std::string, uint64_t> committed; // "job@epoch/stream" -> offset
  bool auto_ack = true;
  bool stopping = false;
};

namespace {

class Management final : public v1::WorkerManagementService::Service {
public:
  explicit Management(std::shared_ptr<FakeServer::State> state) : state_(std::move(state)) {}

  grpc::Status Register(grpc::ServerContext *, const v1::RegisterRequest *request,
                        v1::RegisterResponse *response) override {
    {
      const std::lock_guard lock(state_->mutex);
      state_->registrations.push_back(*request);
      state_->cv.notify_all();
    }
    v1::RegisterAccepted &a = *response->mutable_accepted();
    a.set_worker_id("w-fake");
    a.set_session_id("s-" + std::to_string(++sessions_));
    a.set_heartbeat_interval_ms(1000);
    a.set_lease_timeout_ms(30000);
    a.set_protocol_version(1);
    a.set_max_message_bytes(4 << 20);
    a.set_max_log_chunk_bytes(1 << 20);
    return grpc::Status::OK;
  }
  grpc::Status Heartbeat(grpc::ServerContext *, const v1::HeartbeatRequest *,
                         v1::HeartbeatResponse *response) override {
    response->set_status(v1::HEARTBEAT_STATUS_OK);
    return grpc::Status::OK;
  }
  grpc::Status Deregister(grpc::ServerContext *, const v1::DeregisterRequest *, v1::DeregisterResponse *) override {
    return grpc::Status::OK;
  }

private:
  std::shared_ptr<FakeServer::State> state_;
  std::atomic<int> sessions_{0};
};

class Executor final : public v1::JobExecutorService::Service {
public:
  explicit Executor(std::shared_ptr<FakeServer::State> state) : state_(std::move(state)) {}

  grpc::Status Connect(grpc::ServerContext *context,
                       grpc::ServerReaderWriter<v1::ServerMessage, v1::WorkerMessage> *stream) override {
    v1::WorkerMessage hello;
    v1::WorkerMessage resume;
    if (!stream->Read(&hello) || !stream->Read(&resume)) return grpc::Status::OK;
    record(hello);
    record(resume);
    v1::ServerMessage ack;
    for (const v1::ResumedJob &job : resume.resume().jobs()) {
      v1::ResumeDecision &d = *ack.mutable_resume_ack()->add_jobs();
      *d.mutable_lease() = job.lease();
      d.set_action(v1::RESUME_ACTION_ABANDON);
      d.set_reason("the fake server forgets everything");
    }
    ack.mutable_resume_ack();
    if (!stream->Write(ack)) return grpc::Status::OK;
    std::atomic<bool> done{false};
    std::thread writer([&] {
      std::unique_lock lock(state_->mutex);
      while (!done && !state_->stopping) {
        if (state_->outbox.empty()) {
          state_->cv.wait_for(lock, std::chrono::milliseconds(50));
          continue;
        }
        v1::ServerMessage m = std::move(state_->outbox.front());
        state_->outbox.pop_front();
        lock.unlock();
        const bool ok = stream->Write(m);
        lock.lock();
        if (!ok) break;
      }
    });
    v1::WorkerMessage message;
    while (!context->IsCancelled() && stream->Read(&message)) {
      record(message);
      reply(message);
    }
    done = true;
    state_->cv.notify_all();
    writer.join();
    return grpc::Status::OK;
  }

private:
  void record(const v1::WorkerMessage &m) {
    const std::lock_guard lock(state_->mutex);
    state_->received.push_back(m);
    state_->cv.notify_all();
  }
  void reply(const v1::WorkerMessage &m) {
    const std::lock_guard lock(state_->mutex);
    if (m.has_log() && state_->auto_ack) {
      const v1::LogChunk &c = m.log();
      const std::string key = c.lease().job_id() + "@" + std::to_string(c.lease().lease_epoch()) + "/" +
                              std::to_string(static_cast<int>(c.stream()));
      uint64_t &committed = state_->committed[key];
      if (c.offset() <= committed && c.offset() + c.data().size() > committed) committed = c.offset() + c.data().size();
      v1::ServerMessage ack;
      *ack.mutable_log_ack()->mutable_lease() = c.lease();
      ack.mutable_log_ack()->set_stream(c.stream());
      ack.mutable_log_ack()->set_committed_offset(committed);
      state_->outbox.push_back(ack);
    } else if (m.has_finished()) {
      v1::ServerMessage ack;
      *ack.mutable_result_ack()->mutable_lease() = m.finished().lease();
      state_->outbox.push_back(ack);
    }
    state_->cv.notify_all();
  }
  std::shared_ptr<FakeServer::State> state_;
};

} // namespace

FakeServer::FakeServer() : state_(std::make_shared<State>()) {
  management_ = std::make_unique<Management>(state_);
  executor_ = std::make_unique<Executor>(state_);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(management_.get());
  builder.RegisterService(executor_.get());
  server_ = builder.BuildAndStart();
  if (!server_ || port == 0) throw std::runtime_error("fake server: cannot listen");
  address_ = "127.0.0.1:" + std::to_string(port);
}

FakeServer::~FakeServer() {
  {
    const std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->cv.notify_all();
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  server_->Wait();
}

void FakeServer::send(const v1::ServerMessage &message) {
  const std::lock_guard lock(state_->mutex);
  state_->outbox.push_back(message);
  state_->cv.notify_all();
}

void FakeServer::assign(const std::string &job_id, uint64_t epoch, const v1::JobSpec &spec) {
  v1::ServerMessage m;
  v1::JobAssignment &a = *m.mutable_assignment();
  a.mutable_lease()->set_job_id(job_id);
  a.mutable_lease()->set_lease_epoch(epoch);
  *a.mutable_spec() = spec;
  send(m);
}

std::optional<v1::WorkerMessage> FakeServer::wait_for(const std::function<bool(const v1::WorkerMessage &)> &match,
                                                      std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  std::unique_lock lock(state_->mutex);
  for (;;) {
    for (const v1::WorkerMessage &m : state_->received) {
      if (match(m)) return m;
    }
    if (Clock::now() >= deadline) return std::nullopt;
    state_->cv.wait_for(lock, std::chrono::milliseconds(50));
  }
}

std::vector<v1::WorkerMessage> FakeServer::received() const {
  const std::lock_guard lock(state_->mutex);
  return state_->received;
}

void FakeServer::set_auto_ack(bool on) {
  const std::lock_guard lock(state_->mutex);
  state_->auto_ack = on;
}

std::vector<v1::RegisterRequest> FakeServer::registrations() const {
  const std::lock_guard lock(state_->mutex);
  return state_->registrations;
}

} // namespace hodei::test
