#include "worker_client.hpp"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

namespace hodei::devserver::test {

v1::JobLease lease(const std::string &job_id, uint64_t epoch) {
  v1::JobLease out;
  out.set_job_id(job_id);
  out.set_lease_epoch(epoch);
  return out;
}

WorkerClient::WorkerClient(WorkerClientOptions options) : options_(std::move(options)) {
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(4 * 1024 * 1024);
  arguments.SetMaxSendMessageSize(options_.max_send_bytes);
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  channel_ = grpc::CreateCustomChannel(
      options_.address, options_.credentials ? options_.credentials : grpc::InsecureChannelCredentials(), arguments);
  management_ = v1::WorkerManagementService::NewStub(channel_);
  executor_ = v1::JobExecutorService::NewStub(channel_);
  if (options_.previous_worker_id) worker_id_ = *options_.previous_worker_id;
}

WorkerClient::~WorkerClient() { stop_stream(); }

void WorkerClient::authorize(grpc::ClientContext &context) const {
  if (options_.token) context.AddMetadata("authorization", "Bearer " + *options_.token);
}

grpc::Status WorkerClient::register_worker(v1::RegisterResponse *response) {
  v1::RegisterRequest request;
  request.set_worker_name(options_.name);
  request.set_worker_version("0.0.0-test");
  for (const uint32_t version : options_.protocol_versions) request.add_protocol_versions(version);
  request.add_features("resume");
  request.add_features("log-acks");
  for (const std::string &feature : options_.extra_features) request.add_features(feature);
  for (const auto &[key, value] : options_.labels) (*request.mutable_labels())[key] = value;
  request.set_capacity(options_.capacity);
  v1::HostFacts &host = *request.mutable_host();
  host.set_os("linux");
  host.set_arch("amd64");
  host.set_hostname("test-host");
  host.set_cpus(2);
  host.set_memory_bytes(uint64_t{1} << 30);
  for (const std::string &name : options_.executors) {
    v1::PluginDescriptor &plugin = *request.add_executors();
    plugin.set_id("dev.hodei.executor." + name);
    plugin.set_short_name(name);
    plugin.set_version("1.0.0");
    plugin.set_fingerprint_json("{}");
  }
  if (!worker_id_.empty()) request.set_previous_worker_id(worker_id_);
  grpc::ClientContext context;
  authorize(context);
  context.set_deadline(std::chrono::system_clock::now() + kWait);
  v1::RegisterResponse local;
  v1::RegisterResponse &out = response != nullptr ? *response : local;
  grpc::Status status = management_->Register(&context, request, &out);
  if (status.ok() && out.has_accepted()) {
    worker_id_ = out.accepted().worker_id();
    session_id_ = out.accepted().session_id();
  }
  return status;
}

grpc::Status WorkerClient::heartbeat(const std::vector<v1::JobLease> &running, v1::HeartbeatResponse *response) {
  v1::HeartbeatRequest request;
  request.set_worker_id(worker_id_);
  request.set_session_id(session_id_);
  for (const v1::JobLease &job : running) *request.add_running_jobs() = job;
  request.set_free_slots(options_.capacity);
  grpc::ClientContext context;
  authorize(context);
  context.set_deadline(std::chrono::system_clock::now() + kWait);
  return management_->Heartbeat(&context, request, response);
}

v1::HeartbeatStatus WorkerClient::heartbeat() {
  v1::HeartbeatResponse response;
  const grpc::Status status = heartbeat({}, &response);
  if (!status.ok()) throw std::runtime_error("Heartbeat failed: " + status.error_message());
  return response.status();
}

grpc::Status WorkerClient::deregister(const std::string &reason) {
  v1::DeregisterRequest request;
  request.set_worker_id(worker_id_);
  request.set_session_id(session_id_);
  request.set_reason(reason);
  v1::DeregisterResponse response;
  grpc::ClientContext context;
  authorize(context);
  context.set_deadline(std::chrono::system_clock::now() + kWait);
  return management_->Deregister(&context, request, &response);
}

bool WorkerClient::start_stream() {
  stop_stream();
  {
    const std::lock_guard lock(mutex_);
    inbox_.clear();
    assignments_received_ = 0;
    stream_ended_ = false;
    stream_status_.reset();
  }
  stream_context_ = std::make_unique<grpc::ClientContext>();
  authorize(*stream_context_);
  stream_ = executor_->Connect(stream_context_.get());
  if (!stream_) return false;
  reader_ = std::thread([this] { reader_loop(); });
  return true;
}

bool WorkerClient::connect(const std::vector<v1::ResumedJob> &resume) {
  if (!start_stream()) return false;
  v1::WorkerMessage hello;
  hello.mutable_hello()->set_worker_id(worker_id_);
  hello.mutable_hello()->set_session_id(session_id_);
  v1::WorkerMessage resume_message;
  for (const v1::ResumedJob &job : resume) *resume_message.mutable_resume()->add_jobs() = job;
  resume_message.mutable_resume(); // set even when empty
  return send(hello) && send(resume_message);
}

bool WorkerClient::connect_raw(const v1::WorkerMessage &first) { return start_stream() && send(first); }

bool WorkerClient::send(const v1::WorkerMessage &message) {
  const std::lock_guard lock(write_mutex_);
  return stream_ && stream_->Write(message);
}

bool WorkerClient::send_credits(uint32_t free_slots) { return send_credits(free_slots, assignments_received()); }

bool WorkerClient::send_credits(uint32_t free_slots, uint64_t received) {
  v1::WorkerMessage message;
  message.mutable_credits()->set_free_slots(free_slots);
  message.mutable_credits()->set_assignments_received(received);
  return send(message);
}

bool WorkerClient::accept(const v1::JobLease &job) {
  v1::WorkerMessage message;
  *message.mutable_accept()->mutable_lease() = job;
  message.mutable_accept()->set_accepted_unix_ms(1);
  return send(message);
}

bool WorkerClient::reject(const v1::JobLease &job, const std::string &reason, v1::RejectCode code) {
  v1::WorkerMessage message;
  *message.mutable_reject()->mutable_lease() = job;
  message.mutable_reject()->set_code(code);
  message.mutable_reject()->set_reason(reason);
  return send(message);
}

bool WorkerClient::status(const v1::JobLease &job, v1::JobPhase phase, std::optional<uint32_t> step) {
  v1::WorkerMessage message;
  v1::JobStatus &status = *message.mutable_status();
  *status.mutable_lease() = job;
  status.set_phase(phase);
  if (step) {
    status.set_step_index(*step);
    status.set_step_name("step-" + std::to_string(*step));
  }
  status.set_timestamp_unix_ms(2);
  return send(message);
}

bool WorkerClient::log(const v1::JobLease &job, v1::LogStream stream, uint64_t offset, const std::string &data) {
  v1::WorkerMessage message;
  v1::LogChunk &chunk = *message.mutable_log();
  *chunk.mutable_lease() = job;
  chunk.set_stream(stream);
  chunk.set_offset(offset);
  chunk.set_data(data);
  return send(message);
}

bool WorkerClient::finish(const v1::JobLease &job, v1::JobOutcome outcome,
                          const std::map<v1::LogStream, uint64_t> &log_lengths, std::optional<int32_t> exit_code) {
  v1::WorkerMessage message;
  v1::JobFinished &finished = *message.mutable_finished();
  *finished.mutable_lease() = job;
  v1::JobResult &result = *finished.mutable_result();
  result.set_outcome(outcome);
  if (exit_code) result.set_exit_code(*exit_code);
  v1::StepResult &step = *result.add_steps();
  step.set_index(0);
  step.set_name("step-0");
  step.set_outcome(outcome == v1::JOB_OUTCOME_SUCCEEDED ? v1::STEP_OUTCOME_SUCCEEDED : v1::STEP_OUTCOME_FAILED);
  if (exit_code) step.set_exit_code(*exit_code);
  step.set_duration_ms(5);
  result.set_started_unix_ms(1);
  result.set_finished_unix_ms(3);
  for (const auto &[stream, length] : log_lengths) {
    v1::LogStreamLength &l = *result.add_log_lengths();
    l.set_stream(stream);
    l.set_length(length);
  }
  return send(message);
}

void WorkerClient::reader_loop() {
  v1::ServerMessage message;
  while (stream_->Read(&message)) {
    const std::lock_guard lock(mutex_);
    // A ServerBatch ("batch" feature) is taken apart: tests wait for the messages, however they were written.
    std::vector<v1::ServerMessage> received;
    if (message.has_batch()) {
      batches_received_ += 1;
      received.assign(message.batch().messages().begin(), message.batch().messages().end());
    } else {
      received.push_back(message);
    }
    for (v1::ServerMessage &m : received) {
      if (m.has_assignment()) ++assignments_received_;
      inbox_.push_back(std::move(m));
    }
    arrived_.notify_all();
  }
  grpc::Status status;
  {
    const std::lock_guard write_lock(write_mutex_);
    status = stream_->Finish();
  }
  const std::lock_guard lock(mutex_);
  stream_ended_ = true;
  stream_status_ = status;
  arrived_.notify_all();
}

void WorkerClient::stop_stream() {
  if (reader_.joinable()) {
    stream_context_->TryCancel();
    reader_.join();
  }
  stream_.reset();
  stream_context_.reset();
}

std::optional<v1::ServerMessage> WorkerClient::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!arrived_.wait_for(lock, timeout, [&] { return !inbox_.empty() || stream_ended_; })) return std::nullopt;
  if (inbox_.empty()) return std::nullopt;
  v1::ServerMessage message = std::move(inbox_.front());
  inbox_.pop_front();
  return message;
}

std::optional<v1::ServerMessage> WorkerClient::wait_for(v1::ServerMessage::PayloadCase kind,
                                                        std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    std::optional<v1::ServerMessage> message = next(left);
    if (!message) return std::nullopt;
    if (message->payload_case() == kind) return message;
  }
}

bool WorkerClient::wait_for_ack(const std::string &job_id, v1::LogStream stream, uint64_t offset,
                                std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    const auto message = wait_for(v1::ServerMessage::kLogAck, left);
    if (!message) return false;
    const v1::LogAck &ack = message->log_ack();
    if (ack.lease().job_id() == job_id && ack.stream() == stream && ack.committed_offset() == offset) return true;
  }
}

std::vector<v1::ServerMessage> WorkerClient::drain_for(std::chrono::milliseconds window) {
  std::vector<v1::ServerMessage> messages;
  const auto deadline = std::chrono::steady_clock::now() + window;
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return messages;
    if (auto message = next(left)) messages.push_back(std::move(*message));
  }
}

grpc::Status WorkerClient::close_stream() {
  {
    const std::lock_guard lock(write_mutex_);
    if (stream_) stream_->WritesDone();
  }
  const std::optional<grpc::Status> status = wait_stream_end();
  stop_stream();
  return status.value_or(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "the server did not end the stream"));
}

std::optional<grpc::Status> WorkerClient::wait_stream_end(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!arrived_.wait_for(lock, timeout, [&] { return stream_ended_; })) return std::nullopt;
  return stream_status_;
}

uint64_t WorkerClient::batches_received() const {
  const std::lock_guard lock(mutex_);
  return batches_received_;
}

uint64_t WorkerClient::assignments_received() const {
  const std::lock_guard lock(mutex_);
  return assignments_received_;
}

} // namespace hodei::devserver::test
