#include "agent.hpp"

#include "channel.hpp"
#include "held_job.hpp"
#include "hodei/worker/v1/executor.grpc.pb.h"
#include "hodei/worker/v1/management.grpc.pb.h"
#include "metrics/worker_metrics.hpp"
#include "plugin-host/plugin_registry.hpp"
#include "proto_mapping.hpp"
#include "protocol/job_spec_mapping.hpp"
#include "protocol/limits.hpp"
#include "runner/job_runner.hpp"
#include "server_message_checks.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <fmt/format.h>
#include <fstream>
#include <grpcpp/grpcpp.h>
#include <map>
#include <mutex>
#include <optional>
#include <spdlog/spdlog.h>
#include <thread>
#include <vector>

namespace hodei::agent {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr size_t kChunkBytes = size_t{1024} * 1024; // one LogChunk (the protocol's limit)
constexpr size_t kBatchBytes =
    size_t{1024} * 1024; // a WorkerBatch stops growing past this (+ one chunk: < 4 MiB limit)
constexpr size_t kBatchMessages = 64;
constexpr uint64_t kMaxUnackedPerStream = uint64_t{4} * 1024 * 1024; // sent but not yet acknowledged, per stream
constexpr milliseconds kTick{100};                                   // housekeeping period while jobs are held
constexpr milliseconds kIdleTick{1000}; // housekeeping period of an idle worker, and the heartbeat thread's longest nap
constexpr milliseconds kPauseWarnAfter{2000}; // an append blocked this long: the job is paused
constexpr milliseconds kRpcTimeout{10000};

int64_t unix_ms_now() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
int64_t steady_ms_now() { return std::chrono::duration_cast<milliseconds>(Clock::now().time_since_epoch()).count(); }
std::string lease_key(const std::string &job_id, uint64_t epoch) { return job_id + "@" + std::to_string(epoch); }
std::string lease_key(const v1::JobLease &lease) { return lease_key(lease.job_id(), lease.lease_epoch()); }

void set_lease(v1::JobLease &lease, const HeldJob &job) {
  lease.set_job_id(job.job_id);
  lease.set_lease_epoch(job.epoch);
}

std::string status_text(const grpc::Status &status) {
  return fmt::format("{} (gRPC code {})", status.error_message(), static_cast<int>(status.error_code()));
}

std::string describe_duration(milliseconds d) {
  return fmt::format("{:.1f} s", static_cast<double>(d.count()) / 1000.0);
}

} // namespace

struct Session {
  std::string worker_id;
  std::string session_id;
  milliseconds heartbeat_interval{10000};
  Clock::time_point next_heartbeat;
  size_t max_chunk_bytes = kChunkBytes; // ours, or the server's limit when smaller
  std::shared_ptr<grpc::Channel> channel;
  bool worker_update = false; // the server accepted the "worker-update" feature
  bool batch = false;         // the server accepted the "batch" feature
  int64_t registered_unix_ms = 0;
};

struct StreamHandle {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReaderWriter<v1::WorkerMessage, v1::ServerMessage>> rw;
  std::atomic<bool> broken{false};
};

struct Agent::Impl {
  // ---------------------------------------------------------------------------------------------------------------
  // The runner's observer for one job: output to the journals, transitions to the outbox, the result at the end.
  class JobSink final : public runner::JobEvents {
  public:
    JobSink(Impl &agent, std::shared_ptr<HeldJob> job) : agent_(agent), job_(std::move(job)) {}

    void on_phase(runner::JobPhase phase) override {
      if (phase == runner::JobPhase::preparing || phase == runner::JobPhase::uploading) {
        agent_.queue_status(*job_, phase, std::nullopt, "");
      }
      const std::lock_guard lock(agent_.mutex_);
      job_->phase = phase;
    }
    void on_step_started(uint32_t index, const runner::StepReport &step) override {
      job_->system_line(fmt::format("==> step {} '{}' started", index + 1, step.name));
      agent_.queue_status(*job_, runner::JobPhase::running, index, step.name);
    }
    void on_output(runner::LogStream stream, std::span<const uint8_t> bytes) override { job_->append(stream, bytes); }
    void on_step_finished(uint32_t /*index*/, const runner::StepReport &step) override {
      const std::string how = step.term_signal != 0 ? fmt::format("was killed by signal {}", step.term_signal)
                                                    : fmt::format("exited with code {}", step.exit_code);
      job_->system_line(fmt::format("==> step '{}' {} after {}", step.name, how, describe_duration(step.duration)));
    }
    void on_finished(const runner::JobReport &report) override {
      job_->system_line(fmt::format("==> job {}{}{}", runner::to_string(report.outcome),
                                    report.message.empty() ? "" : ": ", report.message));
      FinishedJob finished;
      finished.report = report;
      finished.finished_unix_ms = unix_ms_now();
      for (size_t i = 0; i < kStreamCount; ++i) finished.log_lengths[i] = job_->streams[i].journal->end_offset();
      spdlog::info("job {}: {}{}{}", job_->job_id, runner::to_string(report.outcome),
                   report.message.empty() ? "" : ": ", report.message);
      if (metrics::WorkerMetrics *m = agent_.options_.metrics) {
        m->job_finished(job_->spec.executor, runner::to_string(report.outcome), Clock::now() - job_->accepted_at);
      }
      {
        const std::lock_guard lock(agent_.mutex_);
        job_->finished = std::move(finished);
        job_->phase = runner::JobPhase::finished;
      }
      agent_.wake_writer();
    }

  private:
    Impl &agent_;
    std::shared_ptr<HeldJob> job_;
  };

  // ---------------------------------------------------------------------------------------------------------------
  Impl(AgentOptions options, plugins::PluginRegistry &registry)
      : options_(std::move(options)), registry_(registry), channels_(options_.config.server, options_.token),
        budget_(options_.config.logs.spool_quota_bytes),
        backoff_(options_.config.server.reconnect_initial_backoff, options_.config.server.reconnect_max_backoff) {
    spool_dir_ = options_.data_dir / "spool";
    workspace_root_ = options_.data_dir / "workspaces";
    std::filesystem::create_directories(spool_dir_);
    std::filesystem::create_directories(workspace_root_);
    std::ifstream id_file(options_.data_dir / "worker_id");
    std::getline(id_file, worker_id_);
  }

  ~Impl() {
    {
      const std::lock_guard lock(mutex_);
      housekeeping_stop_ = true;
    }
    cv_.notify_all();
    if (housekeeping_.joinable()) housekeeping_.join();
    if (heartbeats_.joinable()) heartbeats_.join();
  }

  // --- session thread ---------------------------------------------------------------------------------------------

  int run() {
    spdlog::info("worker '{}' serving {} (max {} concurrent jobs, data in {})", options_.worker_name,
                 options_.config.server.address, options_.config.worker.max_concurrent_jobs,
                 options_.data_dir.string());
    housekeeping_ = std::thread([this] { housekeeping_loop(); });
    heartbeats_ = std::thread([this] { heartbeat_loop(); });
    for (;;) {
      bool have_session = false;
      {
        const std::lock_guard lock(mutex_);
        if (done_) break;
        have_session = session_ != nullptr;
      }
      if (!have_session && !register_once()) {
        wait_backoff();
        continue;
      }
      run_stream();
      {
        const std::lock_guard lock(mutex_);
        if (done_) break;
      }
      wait_backoff();
    }
    deregister();
    {
      const std::lock_guard lock(mutex_);
      housekeeping_stop_ = true;
    }
    cv_.notify_all();
    housekeeping_.join();
    heartbeats_.join();
    std::vector<std::thread> threads;
    {
      const std::lock_guard lock(mutex_);
      for (auto &[key, job] : jobs_) {
        if (!job->finished) {
          job->cancel.force("the worker is stopping");
          spdlog::warn("job {}: cancelled, the worker is stopping", job->job_id);
        }
        job->release_backpressure();
        if (job->thread.joinable()) threads.push_back(std::move(job->thread));
      }
      for (std::thread &t : retired_threads_) threads.push_back(std::move(t));
      retired_threads_.clear();
    }
    for (std::thread &t : threads) t.join();
    {
      const std::lock_guard lock(mutex_);
      size_t undelivered = 0;
      for (const auto &[key, job] : jobs_) undelivered += job->finished ? 1 : 0;
      if (undelivered > 0) spdlog::warn("stopping with {} job result(s) the server has not acknowledged", undelivered);
      jobs_.clear();
    }
    spdlog::info("worker stopped");
    return 0;
  }

  void wait_backoff() {
    const milliseconds delay = backoff_.next();
    spdlog::info("reconnecting to {} in {} ms", options_.config.server.address, delay.count());
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, delay, [&] { return done_; });
  }

  bool register_once() {
    v1::RegisterRequest request;
    request.set_worker_name(options_.worker_name);
    request.set_worker_version(options_.worker_version);
    for (const uint32_t v : protocol::kProtocolVersions) request.add_protocol_versions(v);
    request.add_features(std::string(protocol::kFeatureResume));
    request.add_features(std::string(protocol::kFeatureLogAcks));
    request.add_features(std::string(protocol::kFeatureWorkerUpdate));
    request.add_features(std::string(protocol::kFeatureBatch));
    *request.mutable_host() = local_host_facts();
    describe_plugins(*request.mutable_executors(), *request.mutable_artifact_backends());
    {
      const std::lock_guard lock(mutex_); // labels and capacity change on reload
      for (const auto &[k, v] : options_.config.worker.labels) (*request.mutable_labels())[k] = v;
      request.set_capacity(options_.config.worker.max_concurrent_jobs);
      if (!worker_id_.empty()) request.set_previous_worker_id(worker_id_);
    }
    std::shared_ptr<grpc::Channel> channel = channels_.make();
    auto stub = v1::WorkerManagementService::NewStub(channel);
    grpc::ClientContext context;
    channels_.authorize(context);
    context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
    v1::RegisterResponse response;
    const grpc::Status status = stub->Register(&context, request, &response);
    if (!status.ok()) {
      log_rpc_failure("register with", status);
      return false;
    }
    if (response.has_refused()) {
      spdlog::error("the server refused the registration ({}): {}",
                    v1::RegisterRefusalCode_Name(response.refused().code()), response.refused().reason());
      return false;
    }
    const v1::RegisterAccepted &accepted = response.accepted();
    auto session = std::make_unique<Session>();
    session->worker_id = accepted.worker_id();
    session->session_id = accepted.session_id();
    session->heartbeat_interval = milliseconds(std::max<uint64_t>(100, accepted.heartbeat_interval_ms()));
    session->next_heartbeat = Clock::now() + session->heartbeat_interval;
    session->channel = channel;
    session->registered_unix_ms = unix_ms_now();
    const auto granted = [&accepted](std::string_view feature) {
      return std::find(accepted.features().begin(), accepted.features().end(), feature) != accepted.features().end();
    };
    session->worker_update = granted(protocol::kFeatureWorkerUpdate);
    session->batch = granted(protocol::kFeatureBatch);
    if (accepted.max_log_chunk_bytes() > 0) {
      session->max_chunk_bytes = static_cast<size_t>(std::min<uint64_t>(kChunkBytes, accepted.max_log_chunk_bytes()));
    }
    spdlog::info("registered with {} as worker {} (session {}, protocol {}, heartbeat every {} ms)",
                 options_.config.server.address, accepted.worker_id(), accepted.session_id(),
                 accepted.protocol_version(), session->heartbeat_interval.count());
    const std::lock_guard lock(mutex_);
    if (worker_id_ != accepted.worker_id()) {
      worker_id_ = accepted.worker_id();
      std::ofstream(options_.data_dir / "worker_id", std::ios::trunc) << worker_id_ << "\n";
    }
    session_ = std::move(session);
    return true;
  }

  // The loaded plugins as the server sees them (Register, WorkerUpdate). Calls into executors: never with mutex_ held.
  void describe_plugins(google::protobuf::RepeatedPtrField<v1::PluginDescriptor> &executors,
                        google::protobuf::RepeatedPtrField<v1::PluginDescriptor> &backends) const {
    for (const plugins::PluginInfo &info : registry_.plugins()) {
      if ((info.kinds & 1u) != 0) { // HODEI_KIND_EXECUTOR
        std::string fingerprint = "{}";
        try {
          if (const auto executor = registry_.executor(info.id)) fingerprint = executor->fingerprint().value_or("{}");
        } catch (const std::exception &e) {
          spdlog::warn("executor {}: no fingerprint: {}", info.id, e.what());
        }
        *executors.Add() = to_proto_descriptor(info, fingerprint);
      }
      if ((info.kinds & 2u) != 0) *backends.Add() = to_proto_descriptor(info, "{}"); // HODEI_KIND_ARTIFACT_BACKEND
    }
  }

  // --- reload and status (any thread) -----------------------------------------------------------------------------

  void apply_reload(const LiveSettings &settings) {
    auto update = std::make_shared<v1::WorkerMessage>();
    if (settings.advertise) {
      v1::WorkerUpdate &u = *update->mutable_update();
      describe_plugins(*u.mutable_executors(), *u.mutable_artifact_backends());
      for (const auto &[k, v] : settings.labels) (*u.mutable_labels())[k] = v;
      u.set_capacity(settings.max_concurrent_jobs);
    }
    {
      const std::lock_guard lock(mutex_);
      options_.config.worker.labels = settings.labels;
      options_.config.worker.max_concurrent_jobs = settings.max_concurrent_jobs;
      options_.config.worker.drain_timeout = settings.drain_timeout;
      if (draining_ && !drain_cancelled_) drain_deadline_ = drain_started_ + settings.drain_timeout;
      if (settings.advertise && session_) {
        if (session_->worker_update) {
          outbox_.push_back(std::move(update));
        } else { // an older server: registering again (same worker id) makes it read the new registration
          spdlog::info("the server does not take live updates: registering again to advertise the changes");
          session_.reset();
          if (stream_) stream_->context.TryCancel();
          cv_.notify_all();
        }
      }
    }
    wake_writer(); // new credits (and the update) go out now
  }

  AgentSnapshot snapshot() const {
    AgentSnapshot out;
    out.server_address = options_.config.server.address;
    out.spool_bytes = budget_.used();
    out.spool_quota_bytes = budget_.quota();
    const auto now = Clock::now();
    const std::lock_guard lock(mutex_);
    out.connection = stream_ != nullptr && session_ ? "connected" : session_ ? "registered" : "disconnected";
    out.worker_id = worker_id_;
    if (session_) {
      out.session_id = session_->session_id;
      out.registered_unix_ms = session_->registered_unix_ms;
    }
    out.draining = draining_;
    out.max_concurrent_jobs = options_.config.worker.max_concurrent_jobs;
    out.free_slots = free_slots_locked();
    out.labels = options_.config.worker.labels;
    for (const auto &[key, job] : jobs_) {
      if (job->dropped) continue;
      out.jobs.push_back({job->job_id, job->epoch, job->spec.executor, runner::to_string(job->phase),
                          std::chrono::duration_cast<milliseconds>(now - job->accepted_at).count()});
    }
    return out;
  }

  void log_rpc_failure(const char *what, const grpc::Status &status) {
    if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
      spdlog::error("the server {} refused the worker's credentials: {} — check server.token / server.token_file; "
                    "retrying",
                    options_.config.server.address, status_text(status));
      return;
    }
    std::string hint;
    if (channels_.tls() && status.error_code() == grpc::StatusCode::UNAVAILABLE) {
      hint = " (TLS: check server.tls.ca_file, server.tls.server_name and the client certificate)";
    }
    spdlog::warn("cannot {} {}: {}{}", what, options_.config.server.address, status_text(status), hint);
  }

  void run_stream() {
    std::shared_ptr<grpc::Channel> channel;
    v1::WorkerMessage hello;
    {
      const std::lock_guard lock(mutex_);
      if (!session_) return;
      channel = session_->channel;
      hello.mutable_hello()->set_worker_id(session_->worker_id);
      hello.mutable_hello()->set_session_id(session_->session_id);
    }
    auto stub = v1::JobExecutorService::NewStub(channel);
    StreamHandle stream;
    channels_.authorize(stream.context);
    stream.rw = stub->Connect(&stream.context);
    v1::WorkerMessage resume;
    {
      const std::lock_guard lock(mutex_);
      stream_ = &stream;
      if (done_) stream.context.TryCancel();
      resume.mutable_resume();
      for (auto &[key, job] : jobs_) {
        if (job->dropped) continue;
        v1::ResumedJob &r = *resume.mutable_resume()->add_jobs();
        set_lease(*r.mutable_lease(), *job);
        r.set_phase(to_proto(job->phase));
        for (size_t i = 0; i < kStreamCount; ++i) {
          v1::LogStreamLength &have = *r.add_have();
          have.set_stream(to_proto(stream_at(i)));
          have.set_length(job->streams[i].journal->end_offset());
        }
        r.set_finished(job->finished.has_value());
      }
    }
    v1::ServerMessage first;
    bool opened = stream.rw->Write(hello) && stream.rw->Write(resume) && stream.rw->Read(&first);
    if (opened && !first.has_resume_ack()) {
      spdlog::error("protocol error: the server's first message is not a ResumeAck; reconnecting");
      stream.context.TryCancel();
      opened = false;
    }
    if (opened) {
      apply_resume_ack(first.resume_ack());
      note_stream_opened();
      backoff_.reset();
      std::thread reader([this, &stream] { reader_loop(stream); });
      writer_loop(stream);
      stream.context.TryCancel(); // no-op when the stream already ended
      reader.join();
    }
    {
      const std::lock_guard lock(mutex_);
      stream_ = nullptr;
      stream_open_ = false;
    }
    const grpc::Status status = stream.rw->Finish();
    const std::lock_guard lock(mutex_);
    if (done_) return;
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
      spdlog::info("the server does not know session {} any more: registering again",
                   session_ ? session_->session_id : "-");
      session_.reset();
    } else if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
      log_rpc_failure("open the job stream with", status);
      session_.reset();
    } else if (!status.ok()) {
      spdlog::warn("the job stream to {} ended: {}", options_.config.server.address, status_text(status));
      if (status.error_code() == grpc::StatusCode::UNAVAILABLE) session_.reset(); // the server may have restarted
    } else {
      spdlog::warn("the server closed the job stream");
    }
  }

  void apply_resume_ack(const v1::ResumeAck &ack) {
    const std::lock_guard lock(mutex_);
    assignments_received_ = 0;
    credits_sent_.reset();
    std::deque<std::shared_ptr<v1::WorkerMessage>> accepts;
    for (const v1::ResumeDecision &decision : ack.jobs()) {
      const std::shared_ptr<HeldJob> job = find_job_locked(decision.lease());
      if (!job || job->dropped) continue;
      switch (decision.action()) {
      case v1::RESUME_ACTION_CONTINUE: {
        for (HeldJob::Stream &s : job->streams) {
          s.send_cursor = s.journal->committed_offset();
          s.rewind_on_ack = false;
        }
        for (const v1::LogAck &log_ack : decision.log_acks()) {
          const std::optional<runner::LogStream> stream = from_proto(log_ack.stream());
          if (!stream) continue;
          apply_committed(*job, job->streams[stream_index(*stream)], log_ack.committed_offset(), true);
        }
        job->finished_sent = false;
        job->rewind_next_ack = false;
        auto accept = std::make_shared<v1::WorkerMessage>(); // idempotent: makes sure the server saw it
        set_lease(*accept->mutable_accept()->mutable_lease(), *job);
        accept->mutable_accept()->set_accepted_unix_ms(job->accepted_unix_ms);
        accepts.push_back(std::move(accept));
        spdlog::info("job {}: resumed (stdout {} / stderr {} / system {} bytes committed)", job->job_id,
                     job->streams[0].send_cursor, job->streams[1].send_cursor, job->streams[2].send_cursor);
        break;
      }
      case v1::RESUME_ACTION_FORGET:
        spdlog::info("job {}: the server already has its result: {}", job->job_id, decision.reason());
        drop_job_locked(job, "the server already has its result");
        break;
      default:
        spdlog::warn("job {}: abandoned on the server's request: {}", job->job_id, decision.reason());
        drop_job_locked(job, "abandoned: " + decision.reason());
        break;
      }
    }
    for (auto it = accepts.rbegin(); it != accepts.rend(); ++it) outbox_.push_front(*it);
    spdlog::info("job stream open: {} job(s) resumed", accepts.size());
  }

  // The server committed every byte of `s` before `offset`. `rewind`: resend from there.
  void apply_committed(HeldJob &job, HeldJob::Stream &s, uint64_t offset, bool rewind) {
    const uint64_t end = s.journal->end_offset();
    if (offset > end) {
      spdlog::error("job {}: the server acknowledges {} bytes but the worker has only {}", job.job_id, offset, end);
      offset = end;
    }
    const uint64_t committed_before = s.journal->committed_offset();
    s.journal->commit(offset);
    const uint64_t committed = s.journal->committed_offset();
    if (options_.metrics && committed > committed_before)
      options_.metrics->log_bytes_acked(committed - committed_before);
    if (offset < committed) {
      spdlog::error("job {}: the server lost acknowledged log bytes ({} < {}); they cannot be resent", job.job_id,
                    offset, committed);
    }
    if (rewind || s.send_cursor < committed) s.send_cursor = std::max(offset, committed);
  }

  void writer_loop(StreamHandle &stream) {
    for (;;) {
      uint64_t seen = 0;
      {
        const std::lock_guard lock(wake_mutex_);
        seen = wake_seq_;
      }
      if (stream.broken) return;
      {
        const std::lock_guard lock(mutex_);
        if (done_) return;
      }
      v1::WorkerMessage message;
      if (next_write(message)) {
        if (!stream.rw->Write(message)) {
          stream.broken = true;
          return;
        }
        continue;
      }
      std::unique_lock lock(wake_mutex_);
      // Everything that gives the writer work wakes it (wake_writer); the timeout is only a safety net.
      wake_cv_.wait_for(lock, kIdleTick, [&] { return wake_seq_ != seen; });
    }
  }

  // The next write: one message, or (with the "batch" feature) every message ready now, in order, up to
  // kBatchBytes (plus the last one added) and kBatchMessages. A failed write loses nothing a single write would not:
  // the stream is reopened and the server's resume decision says what to send again.
  bool next_write(v1::WorkerMessage &out) {
    if (!next_message(out)) return false;
    bool batch = false;
    {
      const std::lock_guard lock(mutex_);
      batch = session_ && session_->batch;
    }
    v1::WorkerMessage more;
    if (!batch || !next_message(more)) return true;
    v1::WorkerMessage batched;
    auto &messages = *batched.mutable_batch()->mutable_messages();
    size_t bytes = out.ByteSizeLong() + more.ByteSizeLong();
    messages.Add(std::move(out));
    messages.Add(std::move(more));
    while (bytes < kBatchBytes && static_cast<size_t>(messages.size()) < kBatchMessages) {
      v1::WorkerMessage next;
      if (!next_message(next)) break;
      bytes += next.ByteSizeLong();
      messages.Add(std::move(next));
    }
    out = std::move(batched);
    return true;
  }

  bool next_message(v1::WorkerMessage &message) {
    const std::lock_guard lock(mutex_);
    if (!outbox_.empty()) {
      message = std::move(*outbox_.front());
      outbox_.pop_front();
      return true;
    }
    const std::pair<uint32_t, uint64_t> credits{free_slots_locked(), assignments_received_};
    if (credits_sent_ != credits) {
      credits_sent_ = credits;
      message.mutable_credits()->set_free_slots(credits.first);
      message.mutable_credits()->set_assignments_received(credits.second);
      return true;
    }
    const size_t chunk_bytes = session_ ? session_->max_chunk_bytes : kChunkBytes;
    std::vector<HeldJob *> live;
    for (auto &[key, job] : jobs_) {
      if (!job->dropped) live.push_back(job.get());
    }
    // Logs: one chunk of the next (job, stream) in round-robin order that has unsent bytes within its window.
    const size_t slots = live.size() * kStreamCount;
    for (size_t k = 0; k < slots; ++k) {
      const size_t pos = (round_robin_ + k) % slots;
      HeldJob &job = *live[pos / kStreamCount];
      const size_t index = pos % kStreamCount;
      HeldJob::Stream &s = job.streams[index];
      const uint64_t end = s.journal->end_offset();
      const uint64_t committed = s.journal->committed_offset();
      if (s.send_cursor < committed) s.send_cursor = committed;
      if (s.send_cursor >= end || s.send_cursor - committed >= kMaxUnackedPerStream) continue;
      v1::LogChunk &chunk = *message.mutable_log();
      set_lease(*chunk.mutable_lease(), job);
      chunk.set_stream(to_proto(stream_at(index)));
      chunk.set_offset(s.send_cursor);
      std::string &data = *chunk.mutable_data();
      size_t got = 0;
      try {
        got = s.journal->append_to(s.send_cursor,
                                   static_cast<size_t>(std::min<uint64_t>(chunk_bytes, end - s.send_cursor)), data);
      } catch (const std::exception &e) {
        spdlog::error("job {}: cannot read its log at offset {}: {}", job.job_id, s.send_cursor, e.what());
        message.Clear();
        continue;
      }
      if (got == 0) {
        message.Clear();
        continue;
      }
      s.send_cursor += got;
      if (options_.metrics) options_.metrics->log_bytes_sent(got);
      round_robin_ = pos + 1;
      return true;
    }
    // Results: after every byte of the job was sent.
    for (HeldJob *job : live) {
      if (!job->finished || job->finished_sent) continue;
      bool all_sent = true;
      for (size_t i = 0; i < kStreamCount; ++i)
        all_sent = all_sent && job->streams[i].send_cursor >= job->finished->log_lengths[i];
      if (!all_sent) continue;
      job->finished_sent = true;
      v1::JobFinished &finished = *message.mutable_finished();
      set_lease(*finished.mutable_lease(), *job);
      *finished.mutable_result() = to_proto_result(*job->finished, job->accepted_unix_ms);
      return true;
    }
    return false;
  }

  void deregister() {
    std::shared_ptr<grpc::Channel> channel;
    v1::DeregisterRequest request;
    {
      const std::lock_guard lock(mutex_);
      if (!session_) return;
      channel = session_->channel;
      request.set_worker_id(session_->worker_id);
      request.set_session_id(session_->session_id);
      request.set_reason(stop_now_ ? "shutdown" : "drained");
    }
    auto stub = v1::WorkerManagementService::NewStub(channel);
    grpc::ClientContext context;
    channels_.authorize(context);
    context.set_deadline(std::chrono::system_clock::now() + milliseconds(5000));
    v1::DeregisterResponse response;
    const grpc::Status status = stub->Deregister(&context, request, &response);
    if (!status.ok()) {
      log_rpc_failure("deregister from", status);
      return;
    }
    spdlog::info("deregistered from {} ({} job(s) lost)", options_.config.server.address, response.jobs_lost());
  }

  // --- reader thread ----------------------------------------------------------------------------------------------

  void reader_loop(StreamHandle &stream) {
    v1::ServerMessage message;
    while (stream.rw->Read(&message)) {
      handle_server_message(message);
      message.Clear();
    }
    stream.broken = true;
    wake_writer();
  }

  void handle_server_message(const v1::ServerMessage &message) {
    {
      const std::lock_guard lock(mutex_);
      handle_server_message_locked(message);
    }
    wake_writer();
  }

  void handle_server_message_locked(const v1::ServerMessage &message) {
    switch (message.payload_case()) {
    case v1::ServerMessage::kAssignment:
      assignments_received_ += 1;
      handle_assignment(message.assignment());
      break;
    case v1::ServerMessage::kCancel: {
      const v1::CancelJob &cancel = message.cancel();
      const std::shared_ptr<HeldJob> job = find_job_locked(cancel.lease());
      if (!job || job->finished) break;
      spdlog::info("job {}: cancel requested by the server (grace {} ms): {}", job->job_id, cancel.grace_ms(),
                   cancel.reason());
      job->release_backpressure();
      job->cancel.cancel(cancel.reason().empty() ? "cancelled by the server" : cancel.reason(), cancel_grace(cancel));
      break;
    }
    case v1::ServerMessage::kLogAck: {
      const v1::LogAck &ack = message.log_ack();
      const std::shared_ptr<HeldJob> job = find_job_locked(ack.lease());
      const std::optional<runner::LogStream> stream = from_proto(ack.stream());
      if (!job || !stream) break;
      HeldJob::Stream &s = job->streams[stream_index(*stream)];
      const bool rewind = s.rewind_on_ack || job->rewind_next_ack;
      s.rewind_on_ack = false;
      job->rewind_next_ack = false;
      apply_committed(*job, s, ack.committed_offset(), rewind);
      break;
    }
    case v1::ServerMessage::kResultAck: {
      const std::shared_ptr<HeldJob> job = find_job_locked(message.result_ack().lease());
      if (!job || !job->finished) break;
      spdlog::info("job {}: result delivered", job->job_id);
      remove_job_locked(lease_key(message.result_ack().lease()));
      break;
    }
    case v1::ServerMessage::kDrain:
      begin_drain_locked("the server asked to drain: " + message.drain().reason());
      break;
    case v1::ServerMessage::kRefused:
      handle_refusal_locked(message.refused());
      break;
    case v1::ServerMessage::kResumeAck:
      spdlog::warn("protocol error: a second ResumeAck; ignored");
      break;
    case v1::ServerMessage::kBatch:
      for (const v1::ServerMessage &entry : message.batch().messages()) {
        if (entry.has_batch() || entry.has_resume_ack()) {
          spdlog::warn("protocol error: a {} inside a ServerBatch; ignored",
                       entry.has_batch() ? "ServerBatch" : "ResumeAck");
          continue;
        }
        handle_server_message_locked(entry);
      }
      break;
    default:
      spdlog::warn("unknown message from the server; ignored");
      break;
    }
  }

  void handle_refusal_locked(const v1::EventRefused &refused) {
    const std::shared_ptr<HeldJob> job = refused.has_lease() ? find_job_locked(refused.lease()) : nullptr;
    const std::string what = fmt::format("the server refused {} of {}: {} ({})", refused.event(),
                                         refused.has_lease() ? lease_key(refused.lease()) : "-",
                                         v1::RefusalCode_Name(refused.code()), refused.reason());
    switch (refused.code()) {
    case v1::REFUSAL_CODE_STALE_EPOCH:
    case v1::REFUSAL_CODE_NOT_LEASED:
      if (job && !job->dropped) {
        spdlog::warn("{}: stopping and dropping the job", what);
        drop_job_locked(job, refused.reason());
      }
      break;
    case v1::REFUSAL_CODE_LOG_GAP:
    case v1::REFUSAL_CODE_LOG_CHUNK_TOO_LARGE:
      spdlog::warn("{}: resending from the server's offset", what);
      if (job) job->rewind_next_ack = true;
      break;
    case v1::REFUSAL_CODE_LOGS_INCOMPLETE:
      spdlog::warn("{}: resending the missing bytes", what);
      if (job) {
        for (HeldJob::Stream &s : job->streams) s.rewind_on_ack = true;
        job->finished_sent = false;
      }
      break;
    default:
      spdlog::warn("{}", what);
      break;
    }
  }

  void handle_assignment(const v1::JobAssignment &assignment) {
    const v1::JobLease &lease = assignment.lease();
    auto reject = [&](v1::RejectCode code, const std::string &reason) {
      spdlog::warn("job {}: rejected ({}): {}", lease.job_id(), v1::RejectCode_Name(code), reason);
      auto message = std::make_shared<v1::WorkerMessage>();
      *message->mutable_reject()->mutable_lease() = lease;
      message->mutable_reject()->set_code(code);
      message->mutable_reject()->set_reason(reason);
      outbox_.push_back(std::move(message));
    };
    const std::string key = lease_key(lease);
    if (jobs_.count(key) > 0) {
      spdlog::warn("job {}: assigned again under the same epoch; ignored", key);
      return;
    }
    job::JobSpec spec;
    try {
      auto checked = check_assignment(assignment);
      if (auto *rejection = std::get_if<AssignmentRejection>(&checked)) {
        reject(rejection->code, rejection->reason);
        return;
      }
      spec = std::move(std::get<CheckedAssignment>(checked).spec);
    } catch (const std::exception &e) { // check_assignment throws only on a bug; the job is refused, not the worker
      reject(v1::REJECT_CODE_INVALID_SPEC, e.what());
      return;
    }
    if (draining_) {
      reject(v1::REJECT_CODE_DRAINING, "the worker is draining");
      return;
    }
    std::shared_ptr<plugins::ExecutorHandle> executor;
    try {
      executor = registry_.executor(spec.executor);
    } catch (const std::exception &e) {
      reject(v1::REJECT_CODE_INVALID_SPEC, e.what());
      return;
    }
    if (!executor) {
      std::string loaded;
      for (const std::string &n : registry_.executor_names()) loaded += (loaded.empty() ? "" : ", ") + n;
      reject(v1::REJECT_CODE_EXECUTOR_UNAVAILABLE,
             "executor '" + spec.executor +
                 "' is not loaded on this worker (loaded: " + (loaded.empty() ? "none" : loaded) + ")");
      return;
    }
    if (running_jobs_locked() >= options_.config.worker.max_concurrent_jobs) {
      reject(v1::REJECT_CODE_NO_CAPACITY,
             fmt::format("all {} slots are taken", options_.config.worker.max_concurrent_jobs));
      return;
    }
    std::shared_ptr<HeldJob> job;
    try {
      job = std::make_shared<HeldJob>(lease.job_id(), lease.lease_epoch(), std::move(spec), spool_dir_,
                                      options_.config.logs.memory_buffer_bytes, budget_, [this] { wake_writer(); });
    } catch (const std::exception &e) {
      reject(v1::REJECT_CODE_OTHER, std::string("cannot set up the job's log journal: ") + e.what());
      return;
    }
    auto accept = std::make_shared<v1::WorkerMessage>();
    *accept->mutable_accept()->mutable_lease() = lease;
    accept->mutable_accept()->set_accepted_unix_ms(job->accepted_unix_ms);
    outbox_.push_back(std::move(accept));
    jobs_[key] = job;
    if (options_.metrics) options_.metrics->job_started(job->spec.executor);
    spdlog::info("job {}: accepted (epoch {}): '{}' on executor {}", job->job_id, job->epoch, job->spec.name,
                 job->spec.executor);
    job->thread = std::thread([this, job] { job_main(job); });
    cv_.notify_all(); // the housekeeping thread turns faster while jobs are held
  }

  // --- job threads ------------------------------------------------------------------------------------------------

  void job_main(const std::shared_ptr<HeldJob> &job) {
    JobSink sink(*this, job);
    runner::RunOptions run_options;
    run_options.workspace_root = workspace_root_;
    run_options.artifacts = options_.artifacts;
    try {
      runner::JobRunner job_runner(registry_);
      (void)job_runner.run(job->job_id + "-" + std::to_string(job->epoch), job->spec, run_options, sink, job->cancel);
    } catch (const std::exception &e) { // the runner reports job problems itself; this is a worker bug
      spdlog::error("job {}: the runner failed: {}", job->job_id, e.what());
      bool have_result = false;
      {
        const std::lock_guard lock(mutex_);
        have_result = job->finished.has_value();
      }
      if (!have_result) {
        runner::JobReport report;
        report.job_id = job->job_id;
        report.outcome = runner::JobOutcome::error;
        report.message = std::string("worker error: ") + e.what();
        sink.on_finished(report);
      }
    }
    const std::lock_guard lock(mutex_);
    job->thread_done = true;
    if (job->dropped) remove_job_locked(lease_key(job->job_id, job->epoch));
    wake_writer();
    cv_.notify_all();
  }

  void queue_status(const HeldJob &job, runner::JobPhase phase, std::optional<uint32_t> step_index,
                    const std::string &step_name) {
    auto message = std::make_shared<v1::WorkerMessage>();
    v1::JobStatus &status = *message->mutable_status();
    set_lease(*status.mutable_lease(), job);
    status.set_phase(to_proto(phase));
    if (step_index) status.set_step_index(*step_index);
    status.set_step_name(step_name);
    status.set_timestamp_unix_ms(unix_ms_now());
    {
      const std::lock_guard lock(mutex_);
      if (job.dropped) return;
      outbox_.push_back(std::move(message));
    }
    wake_writer();
  }

  // --- housekeeping thread ----------------------------------------------------------------------------------------

  void housekeeping_loop() {
    for (;;) {
      std::vector<std::thread> finished_threads;
      std::optional<metrics::AgentState> metrics_state;
      bool became_idle = false;
      {
        std::unique_lock lock(mutex_);
        // An idle worker turns slowly (fewer wakeups); a new job or a drain makes it turn at once.
        const bool idle = jobs_.empty() && !draining_;
        cv_.wait_for(lock, idle ? kIdleTick : kTick,
                     [&] { return housekeeping_stop_ || (idle && (!jobs_.empty() || draining_)); });
        if (housekeeping_stop_) return;
        check_jobs_locked();
        check_drain_locked();
        finished_threads.swap(retired_threads_);
        if (options_.metrics) metrics_state = metrics_state_locked();
        became_idle = held_jobs_last_tick_ && jobs_.empty();
        held_jobs_last_tick_ = !jobs_.empty();
      }
      for (std::thread &t : finished_threads) t.join();
      if (became_idle && options_.on_idle) options_.on_idle();
      if (metrics_state) options_.metrics->publish(*metrics_state);
      // Proof of life for a service manager's watchdog: only a housekeeping loop that still turns calls it.
      if (options_.on_housekeeping_tick) options_.on_housekeeping_tick();
    }
  }

  // The heartbeat thread: a Heartbeat call may take up to its deadline, so it has its own thread.
  void heartbeat_loop() {
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        // Sleep until the next heartbeat is due (re-checked at least every second: a new session moves it).
        const Clock::time_point now = Clock::now();
        const Clock::time_point wake = session_ ? std::min(session_->next_heartbeat, now + kIdleTick) : now + kTick;
        cv_.wait_until(lock, wake, [&] { return housekeeping_stop_; });
        if (housekeeping_stop_) return;
        if (!session_ || Clock::now() < session_->next_heartbeat) continue;
      }
      heartbeat_once();
    }
  }

  void check_jobs_locked() {
    const Clock::time_point now = Clock::now();
    const int64_t now_ms = steady_ms_now();
    for (auto &[key, job] : jobs_) {
      if (!job->backpressure_released()) {
        const bool past_timeout = job->spec.timeout && now >= job->accepted_at + *job->spec.timeout;
        if (job->cancel.cancelled() || past_timeout || job->dropped) job->release_backpressure();
      }
      const int64_t since = job->append_in_progress_since_ms();
      if (!job->pause_warned && since != 0 && now_ms - since >= kPauseWarnAfter.count()) {
        job->pause_warned = true;
        spdlog::warn("job {}: output paused: the logs the server has not acknowledged yet fill the spool quota "
                     "(logs.spool_quota_bytes = {}){}; the job resumes when the server acknowledges them",
                     job->job_id, budget_.quota(), stream_ ? "" : " and the server is unreachable");
      }
    }
  }

  void check_drain_locked() {
    if (!draining_ || done_) return;
    const Clock::time_point now = Clock::now();
    const size_t running = running_jobs_locked();
    if (running > 0 && !drain_cancelled_ && drain_deadline_ && now >= *drain_deadline_) {
      drain_cancelled_ = true;
      spdlog::warn("drain timeout ({} s) expired: cancelling {} running job(s)",
                   options_.config.worker.drain_timeout.count(), running);
      for (auto &[key, job] : jobs_) {
        if (job->finished) continue;
        job->release_backpressure();
        job->cancel.cancel("the worker's drain timeout expired");
      }
    }
    if (running > 0) return;
    if (!flush_deadline_) flush_deadline_ = now + options_.flush_timeout;
    if (jobs_.empty()) {
      spdlog::info("drained: every job result was delivered");
      finish_locked();
    } else if (now >= *flush_deadline_) {
      spdlog::warn("drain: giving up after {} s on {} job result(s) the server has not acknowledged",
                   std::chrono::duration_cast<std::chrono::seconds>(options_.flush_timeout).count(), jobs_.size());
      finish_locked();
    }
  }

  void finish_locked() {
    done_ = true;
    if (stream_ && !session_) stream_->context.TryCancel();
    cv_.notify_all();
    wake_writer();
  }

  void heartbeat_once() {
    v1::HeartbeatRequest request;
    std::shared_ptr<grpc::Channel> channel;
    std::string session_id;
    milliseconds interval{};
    {
      const std::lock_guard lock(mutex_);
      if (!session_) return;
      channel = session_->channel;
      session_id = session_->session_id;
      interval = session_->heartbeat_interval;
      session_->next_heartbeat = Clock::now() + interval;
      request.set_worker_id(session_->worker_id);
      request.set_session_id(session_id);
      for (const auto &[key, job] : jobs_) {
        if (job->dropped) continue;
        set_lease(*request.add_running_jobs(), *job);
      }
      request.set_free_slots(free_slots_locked());
    }
    *request.mutable_load() = local_load(workspace_root_.string());
    auto stub = v1::WorkerManagementService::NewStub(channel);
    grpc::ClientContext context;
    channels_.authorize(context);
    context.set_deadline(std::chrono::system_clock::now() + std::min(interval, kRpcTimeout));
    v1::HeartbeatResponse response;
    const grpc::Status status = stub->Heartbeat(&context, request, &response);
    const std::lock_guard lock(mutex_);
    if (!session_ || session_->session_id != session_id) return;
    if (!status.ok()) {
      if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED)
        log_rpc_failure("heartbeat to", status);
      else
        spdlog::debug("heartbeat failed: {}", status_text(status));
      return;
    }
    for (const v1::RevokedJob &revoked : response.revoked_jobs()) {
      if (const std::shared_ptr<HeldJob> job = find_job_locked(revoked.lease()); job && !job->dropped) {
        spdlog::warn("job {}: revoked by the server: {}", job->job_id, revoked.reason());
        drop_job_locked(job, "revoked: " + revoked.reason());
      }
    }
    if (response.status() == v1::HEARTBEAT_STATUS_UNKNOWN_SESSION) {
      spdlog::info("the server does not know session {}: registering again", session_id);
      session_.reset();
      if (stream_) stream_->context.TryCancel();
      cv_.notify_all();
    } else if (response.status() == v1::HEARTBEAT_STATUS_DRAIN) {
      begin_drain_locked("the server asked to drain (heartbeat)");
    }
  }

  // --- shared helpers (mutex_ held) -------------------------------------------------------------------------------

  std::shared_ptr<HeldJob> find_job_locked(const v1::JobLease &lease) {
    const auto it = jobs_.find(lease_key(lease));
    return it == jobs_.end() ? nullptr : it->second;
  }

  void drop_job_locked(const std::shared_ptr<HeldJob> &job, const std::string &reason) {
    if (job->dropped) return;
    job->dropped = true;
    job->release_backpressure();
    if (!job->finished) job->cancel.force(reason);
    if (job->thread_done) remove_job_locked(lease_key(job->job_id, job->epoch));
  }

  void remove_job_locked(const std::string &key) {
    const auto it = jobs_.find(key);
    if (it == jobs_.end()) return;
    if (it->second->thread.joinable()) retired_threads_.push_back(std::move(it->second->thread));
    jobs_.erase(it);
    cv_.notify_all();
  }

  void begin_drain_locked(const std::string &reason) {
    if (draining_) return;
    draining_ = true;
    drain_started_ = Clock::now();
    drain_deadline_ = drain_started_ + options_.config.worker.drain_timeout;
    size_t running = 0;
    for (const auto &[key, job] : jobs_) running += job->finished ? 0 : 1;
    spdlog::info("draining ({}): no new jobs; {} running job(s) get up to {} s to finish", reason, running,
                 options_.config.worker.drain_timeout.count());
    cv_.notify_all();
    wake_writer();
  }

  // What /readyz and the state gauges show: the job table, the session and the spool as they are now.
  [[nodiscard]] metrics::AgentState metrics_state_locked() const {
    metrics::AgentState state;
    state.running_jobs = running_jobs_locked();
    state.free_slots = free_slots_locked();
    state.spool_bytes = budget_.used();
    state.spooled_bytes_total = budget_.reserved_total();
    state.registered = session_ != nullptr;
    state.connected = stream_open_;
    state.draining = draining_;
    return state;
  }

  // The job stream is open (its ResumeAck applied); every opening after the first is a reconnect.
  void note_stream_opened() {
    {
      const std::lock_guard lock(mutex_);
      stream_open_ = true;
    }
    if (options_.metrics && streams_opened_++ > 0) options_.metrics->reconnected();
  }

  // A slot is taken from the assignment until the job's process is over (its result may still be on its way to the
  // server: waiting for the ResultAck, which needs the server's durable write, would idle the slot for that long).
  // An abandoned job whose thread still runs keeps its slot until it stopped.
  [[nodiscard]] uint32_t free_slots_locked() const {
    if (draining_) return 0;
    const auto cap = options_.config.worker.max_concurrent_jobs;
    const size_t taken = running_jobs_locked();
    return taken >= cap ? 0 : static_cast<uint32_t>(cap - taken);
  }

  // Jobs whose process may still run: no result yet and the job thread not over.
  [[nodiscard]] size_t running_jobs_locked() const {
    size_t running = 0;
    for (const auto &[key, job] : jobs_) running += (!job->finished && !job->thread_done) ? 1 : 0;
    return running;
  }

  void wake_writer() {
    {
      const std::lock_guard lock(wake_mutex_);
      wake_seq_ += 1;
    }
    wake_cv_.notify_all();
  }

  // --- state ------------------------------------------------------------------------------------------------------

  AgentOptions options_;
  plugins::PluginRegistry &registry_;
  ChannelFactory channels_;
  journal::SpoolBudget budget_;
  Backoff backoff_;
  std::filesystem::path spool_dir_;
  std::filesystem::path workspace_root_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::string, std::shared_ptr<HeldJob>> jobs_; // by "job@epoch"
  std::deque<std::shared_ptr<v1::WorkerMessage>> outbox_;
  std::unique_ptr<Session> session_;
  std::string worker_id_;
  StreamHandle *stream_ = nullptr;
  bool stream_open_ = false;    // stream_ got its ResumeAck (metrics, /readyz)
  uint64_t streams_opened_ = 0; // session thread only
  uint64_t assignments_received_ = 0;
  std::optional<std::pair<uint32_t, uint64_t>> credits_sent_;
  size_t round_robin_ = 0;
  bool draining_ = false;
  bool stop_now_ = false;
  bool done_ = false;
  bool housekeeping_stop_ = false;
  Clock::time_point drain_started_;
  std::optional<Clock::time_point> drain_deadline_;
  bool drain_cancelled_ = false;
  std::optional<Clock::time_point> flush_deadline_;
  std::vector<std::thread> retired_threads_;

  std::mutex wake_mutex_;
  std::condition_variable wake_cv_;
  uint64_t wake_seq_ = 0;

  std::thread housekeeping_;
  bool held_jobs_last_tick_ = false; // housekeeping thread only: tells when the worker becomes idle
  std::thread heartbeats_;
};

Agent::Agent(AgentOptions options, plugins::PluginRegistry &registry)
    : impl_(std::make_unique<Impl>(std::move(options), registry)) {}

Agent::~Agent() = default;

int Agent::run() { return impl_->run(); }

void Agent::request_drain(const std::string &reason) {
  const std::lock_guard lock(impl_->mutex_);
  impl_->begin_drain_locked(reason);
}

void Agent::apply_reload(const LiveSettings &settings) { impl_->apply_reload(settings); }

AgentSnapshot Agent::snapshot() const { return impl_->snapshot(); }

void Agent::request_stop_now(const std::string &reason) {
  const std::lock_guard lock(impl_->mutex_);
  impl_->begin_drain_locked(reason);
  impl_->stop_now_ = true;
  impl_->drain_cancelled_ = true;
  for (auto &[key, job] : impl_->jobs_) {
    if (job->finished) continue;
    job->release_backpressure();
    job->cancel.force(reason);
    spdlog::warn("job {}: cancelled at once ({})", job->job_id, reason);
  }
}

} // namespace hodei::agent
