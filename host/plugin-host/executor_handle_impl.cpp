#include "executor_handle_impl.hpp"

#include "descriptor_validation.hpp"
#include "plugin_call.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <stdexcept>
#include <utility>
#include <vector>

namespace hodei::plugins {

namespace {

uint32_t checked_count(size_t n, const char *what) {
  if (n > std::numeric_limits<uint32_t>::max()) throw std::invalid_argument(std::string("too many ") + what);
  return static_cast<uint32_t>(n);
}

std::vector<hodei_kv> to_kv(const std::map<std::string, std::string> &vars) {
  std::vector<hodei_kv> out;
  out.reserve(vars.size());
  for (const auto &[key, value] : vars) out.push_back({key.c_str(), value.c_str()});
  return out;
}

template <class T> const T *data_or_null(const std::vector<T> &v) noexcept { return v.empty() ? nullptr : v.data(); }

// The C view of an ExecSpec for one call. Borrows every string from `spec`, which must outlive it.
class CJobSpec {
public:
  explicit CJobSpec(const ExecSpec &spec) : env_(to_kv(spec.env)), secrets_(to_kv(spec.secrets)) {
    step_env_.reserve(spec.steps.size());
    steps_.reserve(spec.steps.size());
    for (const ExecStep &s : spec.steps) {
      step_env_.push_back(to_kv(s.env));
      hodei_step_spec c{};
      c.struct_size = sizeof(hodei_step_spec);
      c.continue_on_error = s.continue_on_error ? 1 : 0;
      c.name = s.name.c_str();
      c.run = s.run.c_str();
      c.env = data_or_null(step_env_.back());
      c.env_count = checked_count(step_env_.back().size(), "step variables");
      c.working_dir = s.working_dir.c_str();
      steps_.push_back(c);
    }
    spec_.struct_size = sizeof(hodei_job_spec);
    spec_.step_count = checked_count(steps_.size(), "steps");
    spec_.job_id = spec.job_id.c_str();
    spec_.job_name = spec.job_name.c_str();
    spec_.workspace = spec.workspace.c_str();
    spec_.steps = data_or_null(steps_);
    spec_.env = data_or_null(env_);
    spec_.env_count = checked_count(env_.size(), "variables");
    spec_.secret_count = checked_count(secrets_.size(), "secrets");
    spec_.secrets = data_or_null(secrets_);
    spec_.options_json = spec.options_json.empty() ? "{}" : spec.options_json.c_str();
  }
  CJobSpec(const CJobSpec &) = delete;
  CJobSpec &operator=(const CJobSpec &) = delete;

  [[nodiscard]] const hodei_job_spec *get() const noexcept { return &spec_; }

private:
  std::vector<hodei_kv> env_;
  std::vector<hodei_kv> secrets_;
  std::vector<std::vector<hodei_kv>> step_env_;
  std::vector<hodei_step_spec> steps_;
  hodei_job_spec spec_{};
};

// The hodei_output_sink of one job. Its address is what the plugin holds: it lives in a unique_ptr owned by the
// RunningJob until after destroy returned.
class JobSink {
public:
  explicit JobSink(OutputReceiver &receiver) noexcept : receiver_(receiver) {
    sink_.struct_size = sizeof(hodei_output_sink);
    sink_.sink_ctx = this;
    sink_.write = &JobSink::write;
    sink_.step_started = &JobSink::step_started;
    sink_.step_finished = &JobSink::step_finished;
  }
  JobSink(const JobSink &) = delete;
  JobSink &operator=(const JobSink &) = delete;

  [[nodiscard]] const hodei_output_sink *c_struct() const noexcept { return &sink_; }
  [[nodiscard]] bool failed() const noexcept { return failed_.load(); }
  [[nodiscard]] std::exception_ptr error() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return error_;
  }

private:
  void record(std::exception_ptr e) noexcept {
    try {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::move(e);
    } catch (...) { // a failed lock: the flag below still stops the job
    }
    failed_.store(true);
  }

  static hodei_status write(void *ctx, uint32_t stream, const uint8_t *data, size_t len) noexcept {
    auto *self = static_cast<JobSink *>(ctx);
    if (self->failed()) return HODEI_ERR_CANCELLED;
    if (stream != HODEI_STREAM_STDOUT && stream != HODEI_STREAM_STDERR) return HODEI_ERR_INVALID_ARGUMENT;
    if (len == 0) return HODEI_OK;
    if (data == nullptr) return HODEI_ERR_INVALID_ARGUMENT;
    try {
      const bool go_on = self->receiver_.on_output(static_cast<OutputStream>(stream), {data, len});
      return go_on ? HODEI_OK : HODEI_ERR_CANCELLED;
    } catch (...) {
      self->record(std::current_exception());
      return HODEI_ERR_CANCELLED;
    }
  }

  static void step_started(void *ctx, uint32_t index) noexcept {
    auto *self = static_cast<JobSink *>(ctx);
    if (self->failed()) return;
    try {
      self->receiver_.on_step_started(index);
    } catch (...) {
      self->record(std::current_exception());
    }
  }

  static void step_finished(void *ctx, const hodei_step_result *result) noexcept {
    auto *self = static_cast<JobSink *>(ctx);
    if (self->failed() || result == nullptr) return;
    // Read only the part the plugin wrote (struct_size), zero the rest.
    hodei_step_result c{};
    std::memcpy(static_cast<void *>(&c), result, std::min<size_t>(result->struct_size, sizeof c));
    StepResult r;
    r.index = c.step_index;
    r.exit_code = c.exit_code;
    r.term_signal = c.term_signal;
    r.started_unix_ms = c.started_unix_ms;
    r.duration_ms = c.duration_ms;
    r.oom_killed = c.oom_killed != 0;
    try {
      self->receiver_.on_step_finished(r);
    } catch (...) {
      self->record(std::current_exception());
    }
  }

  OutputReceiver &receiver_;
  hodei_output_sink sink_{};
  mutable std::mutex mutex_;
  std::exception_ptr error_;
  std::atomic<bool> failed_{false};
};

ExecResult to_exec_result(const hodei_job_result &r) {
  ExecResult out;
  if (r.outcome >= HODEI_OUTCOME_SUCCEEDED && r.outcome <= HODEI_OUTCOME_ERROR) {
    out.outcome = static_cast<Outcome>(r.outcome);
    out.message.assign(r.message, ::strnlen(r.message, sizeof r.message));
  } else {
    out.outcome = Outcome::error;
    out.message = "the executor reported an unknown outcome " + std::to_string(r.outcome);
  }
  out.exit_code = r.exit_code;
  out.term_signal = r.term_signal;
  out.steps_run = r.steps_run;
  out.oom_killed = r.oom_killed != 0;
  return out;
}

int64_t to_timeout_ms(std::chrono::milliseconds timeout) noexcept { return timeout.count() < 0 ? -1 : timeout.count(); }

class RunningJobImpl final : public RunningJob {
public:
  RunningJobImpl(std::shared_ptr<LoadedPlugin> plugin, std::unique_ptr<JobSink> sink, hodei_job *job,
                 std::string job_id) noexcept
      : plugin_(std::move(plugin)), table_(*plugin_->executor), sink_(std::move(sink)), job_(job),
        what_(plugin_->info().id + ": job " + std::move(job_id) + ": ") {}

  RunningJobImpl(const RunningJobImpl &) = delete;
  RunningJobImpl &operator=(const RunningJobImpl &) = delete;

  // Not finished: force-cancel, wait without limit, then destroy. Every error is swallowed (a destructor).
  ~RunningJobImpl() override {
    if (!finished_.load()) {
      ErrorBuffer cancel_err;
      const hodei_status cancelled = table_.cancel(plugin_->ctx(), job_, HODEI_CANCEL_FORCE, 0, cancel_err.get());
      hodei_job_result result{};
      result.struct_size = sizeof result;
      ErrorBuffer wait_err;
      const hodei_status waited = table_.wait(plugin_->ctx(), job_, -1, &result, wait_err.get());
      if (cancelled != HODEI_OK || waited != HODEI_OK) {
        try {
          spdlog::warn("{}abandoned job: cancel returned {}, wait returned {}; destroying it", what_,
                       describe_status(cancelled), describe_status(waited));
        } catch (...) {
        }
      }
    }
    table_.destroy(plugin_->ctx(), job_);
  }

  std::optional<ExecResult> wait(std::chrono::milliseconds timeout) override {
    // The receiver failed: stop the job (once) so the wait below ends, then report the receiver's exception.
    if (sink_->failed() && !cancelled_for_receiver_.exchange(true)) {
      ErrorBuffer ignored;
      (void)table_.cancel(plugin_->ctx(), job_, HODEI_CANCEL_FORCE, 0, ignored.get());
    }
    hodei_job_result result{};
    result.struct_size = sizeof result;
    ErrorBuffer err;
    const hodei_status st = table_.wait(plugin_->ctx(), job_, to_timeout_ms(timeout), &result, err.get());
    if (st == HODEI_ERR_TIMEOUT) return std::nullopt;
    if (st != HODEI_OK) throw_call_error(what_ + "wait", st, err);
    finished_.store(true);
    if (sink_->failed()) {
      if (std::exception_ptr e = sink_->error()) std::rethrow_exception(e);
      throw std::runtime_error(what_ + "the output receiver failed");
    }
    return to_exec_result(result);
  }

  void cancel(CancelMode mode, std::chrono::milliseconds grace) override {
    const auto grace_ms =
        static_cast<uint32_t>(std::clamp<int64_t>(grace.count(), 0, std::numeric_limits<uint32_t>::max()));
    ErrorBuffer err;
    const hodei_status st = table_.cancel(plugin_->ctx(), job_, static_cast<int32_t>(mode), grace_ms, err.get());
    if (st != HODEI_OK) throw_call_error(what_ + "cancel", st, err);
  }

private:
  std::shared_ptr<LoadedPlugin> plugin_; // first member: destroyed last, after destroy() ran
  const hodei_executor_v1 &table_;
  std::unique_ptr<JobSink> sink_; // valid until destroy returned (the destructor body runs before members die)
  hodei_job *job_;
  std::string what_;
  std::atomic<bool> finished_{false};
  std::atomic<bool> cancelled_for_receiver_{false};
};

class ExecutorHandleImpl final : public ExecutorHandle {
public:
  explicit ExecutorHandleImpl(std::shared_ptr<LoadedPlugin> plugin) noexcept
      : plugin_(std::move(plugin)), table_(*plugin_->executor) {}

  [[nodiscard]] const PluginInfo &info() const override { return plugin_->info(); }

  void validate(const ExecSpec &spec) const override {
    if (table_.validate == nullptr) return; // allowed: no checks beyond start's
    const CJobSpec c(spec);
    ErrorBuffer err;
    const hodei_status st = table_.validate(plugin_->ctx(), c.get(), err.get());
    if (st != HODEI_OK) throw_call_error(info().id + ": validate", st, err);
  }

  std::unique_ptr<RunningJob> start(const ExecSpec &spec, OutputReceiver &receiver) override {
    const CJobSpec c(spec);
    auto sink = std::make_unique<JobSink>(receiver);
    hodei_job *job = nullptr;
    ErrorBuffer err;
    const hodei_status st = table_.start(plugin_->ctx(), c.get(), sink->c_struct(), &job, err.get());
    if (st != HODEI_OK) throw_call_error(info().id + ": start", st, err);
    if (job == nullptr) throw PluginCallError(HODEI_ERR_INTERNAL, info().id + ": start returned HODEI_OK but no job");
    return std::make_unique<RunningJobImpl>(plugin_, std::move(sink), job, spec.job_id);
  }

  [[nodiscard]] std::optional<std::string> fingerprint() const override {
    if ((info().capabilities & HODEI_CAP_EXECUTOR_FINGERPRINT) == 0) return std::nullopt;
    std::string buf(4096, '\0');
    size_t len = 0;
    hodei_status st = HODEI_OK;
    for (int attempt = 0; attempt < 2; ++attempt) {
      ErrorBuffer err;
      st = table_.fingerprint(plugin_->ctx(), buf.data(), buf.size(), &len, err.get());
      if (st == HODEI_ERR_RESOURCE_EXHAUSTED && attempt == 0 && len >= buf.size()) {
        buf.assign(len + 1, '\0'); // the length it needs, plus the NUL
        continue;
      }
      if (st != HODEI_OK) throw_call_error(info().id + ": fingerprint", st, err);
      break;
    }
    buf.resize(std::min(len, ::strnlen(buf.data(), buf.size())));
    const nlohmann::json parsed = nlohmann::json::parse(buf, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_object()) {
      throw PluginCallError(HODEI_ERR_INTERNAL,
                            info().id + ": fingerprint is not a JSON object: " + buf.substr(0, 200));
    }
    return buf;
  }

private:
  std::shared_ptr<LoadedPlugin> plugin_;
  const hodei_executor_v1 &table_;
};

} // namespace

std::shared_ptr<ExecutorHandle> make_executor_handle(std::shared_ptr<LoadedPlugin> plugin) {
  return std::make_shared<ExecutorHandleImpl>(std::move(plugin));
}

} // namespace hodei::plugins
