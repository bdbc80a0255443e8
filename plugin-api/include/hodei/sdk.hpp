// Hodei Worker plugin SDK for C++17 and newer — header-only.
//
// Write a class that derives from hodei::sdk::Executor and/or hodei::sdk::ArtifactBackend, give it
//   static constexpr hodei::sdk::PluginInfo info{...};
//   YourPlugin(const hodei::sdk::Host& host, std::string_view config_json);
// and put HODEI_PLUGIN(YourPlugin) in one .cpp file. The macro emits the C entry point; every trampoline is noexcept
// and turns exceptions into status codes (hodei::sdk::Error carries its own status; anything else becomes
// HODEI_ERR_INTERNAL with the exception's text). Nothing from this header crosses the ABI: only plugin_api.h does.
//
// The entry declares the ABI minor the plugin REQUIRES. It defaults to 0 so that rebuilding against newer headers
// does not stop a plugin from loading on older 1.x hosts; define HODEI_PLUGIN_REQUIRED_ABI_MINOR before including
// this header when the plugin uses something a later minor added.
#ifndef HODEI_SDK_HPP
#define HODEI_SDK_HPP

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <hodei/plugin_api.h>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#ifndef HODEI_PLUGIN_REQUIRED_ABI_MINOR
#define HODEI_PLUGIN_REQUIRED_ABI_MINOR 0
#endif

namespace hodei::sdk {

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

// Throw this from any plugin method to return `status` with `message` to the host.
class Error : public std::runtime_error {
public:
  Error(hodei_status status, const std::string &message) : std::runtime_error(message), status_(status) {}
  [[nodiscard]] hodei_status status() const noexcept { return status_; }

private:
  hodei_status status_;
};

inline Error invalid_argument(const std::string &message) { return {HODEI_ERR_INVALID_ARGUMENT, message}; }
inline Error not_found(const std::string &message) { return {HODEI_ERR_NOT_FOUND, message}; }
inline Error unsupported(const std::string &message) { return {HODEI_ERR_UNSUPPORTED, message}; }
inline Error io_error(const std::string &message) { return {HODEI_ERR_IO, message}; }

namespace detail {

inline void write_error(hodei_error *err, std::string_view message) noexcept {
  if (err == nullptr || err->message == nullptr || err->capacity == 0) return;
  const size_t n = std::min<size_t>(message.size(), err->capacity - 1);
  std::memcpy(err->message, message.data(), n);
  err->message[n] = '\0';
}

// Runs `body` (which returns hodei_status or void) and converts every exception into a status + message.
template <class Body> hodei_status guard(hodei_error *err, Body &&body) noexcept {
  try {
    if constexpr (std::is_void_v<decltype(body())>) {
      body();
      return HODEI_OK;
    } else {
      return body();
    }
  } catch (const Error &e) {
    write_error(err, e.what());
    return e.status() == HODEI_OK ? HODEI_ERR_INTERNAL : e.status();
  } catch (const std::bad_alloc &) {
    write_error(err, "out of memory");
    return HODEI_ERR_RESOURCE_EXHAUSTED;
  } catch (const std::exception &e) {
    write_error(err, std::string("unexpected exception: ") + e.what());
    return HODEI_ERR_INTERNAL;
  } catch (...) {
    write_error(err, "unexpected exception of unknown type");
    return HODEI_ERR_INTERNAL;
  }
}

// Copies `value` into a caller-owned buffer following the ABI's "too small → RESOURCE_EXHAUSTED + needed" rule.
inline hodei_status copy_out(std::string_view value, void *buf, size_t capacity, size_t *out_len, bool nul) {
  if (out_len != nullptr) *out_len = value.size();
  const size_t need = value.size() + (nul ? 1 : 0);
  if (buf == nullptr || capacity < need) return HODEI_ERR_RESOURCE_EXHAUSTED;
  std::memcpy(buf, value.data(), value.size());
  if (nul) static_cast<char *>(buf)[value.size()] = '\0';
  return HODEI_OK;
}

// Writes `src` into a caller-owned struct whose struct_size may be smaller (older caller) or larger (newer caller)
// than ours: only the common prefix is written and the caller's struct_size is kept.
template <class T> void write_sized(T *out, const T &src) noexcept {
  if (out == nullptr) return;
  const uint32_t caller_size = out->struct_size;
  std::memcpy(static_cast<void *>(out), &src, std::min<size_t>(caller_size, sizeof(T)));
  out->struct_size = caller_size;
}

inline std::string str(const char *s) { return s == nullptr ? std::string() : std::string(s); }

} // namespace detail

// ---------------------------------------------------------------------------------------------------------------
// Host services
// ---------------------------------------------------------------------------------------------------------------

class Host {
public:
  explicit Host(const hodei_host_services *services) noexcept : s_(services) {}

  void log(int32_t level, const std::string &message) const noexcept {
    if (s_ != nullptr && s_->log != nullptr) s_->log(s_->host_ctx, level, message.c_str());
  }
  void debug(const std::string &m) const noexcept { log(HODEI_LOG_DEBUG, m); }
  void info(const std::string &m) const noexcept { log(HODEI_LOG_INFO, m); }
  void warn(const std::string &m) const noexcept { log(HODEI_LOG_WARN, m); }
  void error(const std::string &m) const noexcept { log(HODEI_LOG_ERROR, m); }

  // A host setting ("worker.id", "worker.data_dir"...), or nullopt when the host does not know the key.
  [[nodiscard]] std::optional<std::string> config(const std::string &key) const {
    if (s_ == nullptr || s_->config_get == nullptr) return std::nullopt;
    std::string buf(256, '\0');
    size_t len = 0;
    hodei_status st = s_->config_get(s_->host_ctx, key.c_str(), buf.data(), buf.size(), &len);
    if (st == HODEI_ERR_RESOURCE_EXHAUSTED) {
      buf.assign(len + 1, '\0');
      st = s_->config_get(s_->host_ctx, key.c_str(), buf.data(), buf.size(), &len);
    }
    if (st != HODEI_OK) return std::nullopt;
    buf.resize(len);
    return buf;
  }

  [[nodiscard]] const void *extension(const char *id) const noexcept {
    return (s_ != nullptr && s_->get_extension != nullptr) ? s_->get_extension(s_->host_ctx, id) : nullptr;
  }
  [[nodiscard]] const hodei_host_services *raw() const noexcept { return s_; }

private:
  const hodei_host_services *s_;
};

// ---------------------------------------------------------------------------------------------------------------
// Executor side
// ---------------------------------------------------------------------------------------------------------------

struct EnvVar {
  std::string name;
  std::string value;
};

struct StepSpec {
  std::string name;
  std::string run;
  std::string working_dir; // relative to the workspace; empty = the workspace
  bool continue_on_error = false;
  std::vector<EnvVar> env;
};

// An owned copy of hodei_job_spec.
struct JobSpec {
  std::string id;
  std::string name;
  std::string workspace;
  std::vector<StepSpec> steps;
  std::vector<EnvVar> env;
  std::vector<EnvVar> secrets;
  std::string options_json = "{}";

  static JobSpec from_c(const hodei_job_spec &c) {
    if (c.struct_size < HODEI_JOB_SPEC_V1_0_SIZE) throw invalid_argument("job spec struct is smaller than ABI 1.0's");
    JobSpec s;
    s.id = detail::str(c.job_id);
    s.name = detail::str(c.job_name);
    s.workspace = detail::str(c.workspace);
    s.options_json = c.options_json != nullptr ? c.options_json : "{}";
    s.env = copy_kv(c.env, c.env_count);
    s.secrets = copy_kv(c.secrets, c.secret_count);
    for (uint32_t i = 0; i < c.step_count; ++i) {
      const hodei_step_spec &cs = c.steps[i];
      StepSpec step;
      step.name = detail::str(cs.name);
      step.run = detail::str(cs.run);
      step.working_dir = detail::str(cs.working_dir);
      step.continue_on_error = cs.continue_on_error != 0;
      step.env = copy_kv(cs.env, cs.env_count);
      s.steps.push_back(std::move(step));
    }
    return s;
  }

private:
  static std::vector<EnvVar> copy_kv(const hodei_kv *kv, uint32_t n) {
    std::vector<EnvVar> out;
    out.reserve(n);
    for (uint32_t i = 0; i < n; ++i) out.push_back({detail::str(kv[i].key), detail::str(kv[i].value)});
    return out;
  }
};

enum class Stream : uint32_t { out = HODEI_STREAM_STDOUT, err = HODEI_STREAM_STDERR };
enum class Outcome : int32_t {
  succeeded = HODEI_OUTCOME_SUCCEEDED,
  failed = HODEI_OUTCOME_FAILED,
  cancelled = HODEI_OUTCOME_CANCELLED,
  error = HODEI_OUTCOME_ERROR
};
enum class CancelMode : int32_t { graceful = HODEI_CANCEL_GRACEFUL, force = HODEI_CANCEL_FORCE };

struct StepResult {
  uint32_t index = 0;
  int32_t exit_code = -1;
  int32_t term_signal = 0;
  std::chrono::system_clock::time_point started{};
  std::chrono::milliseconds duration{0};
  bool oom_killed = false;
};

struct JobResult {
  Outcome outcome = Outcome::error;
  int32_t exit_code = -1;
  int32_t term_signal = 0;
  uint32_t steps_run = 0;
  bool oom_killed = false;
  std::string message; // why, for Outcome::error
};

// The host's output sink for one job. Cheap to copy; valid until the job is destroyed.
class OutputSink {
public:
  explicit OutputSink(const hodei_output_sink *sink) noexcept : s_(sink) {}

  // Hands bytes to the host (may block for backpressure). Returns false once the job is being cancelled.
  bool write(Stream stream, const void *data, size_t len) const noexcept {
    if (len == 0) return true;
    return s_->write(s_->sink_ctx, static_cast<uint32_t>(stream), static_cast<const uint8_t *>(data), len) == HODEI_OK;
  }
  bool write(Stream stream, std::string_view text) const noexcept { return write(stream, text.data(), text.size()); }

  void step_started(uint32_t index) const noexcept { s_->step_started(s_->sink_ctx, index); }

  void step_finished(const StepResult &r) const noexcept {
    hodei_step_result c{};
    c.struct_size = sizeof(c);
    c.step_index = r.index;
    c.exit_code = r.exit_code;
    c.term_signal = r.term_signal;
    c.started_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(r.started.time_since_epoch()).count();
    c.duration_ms = r.duration.count();
    c.oom_killed = r.oom_killed ? 1 : 0;
    s_->step_finished(s_->sink_ctx, &c);
  }

private:
  const hodei_output_sink *s_;
};

// A running job. Created by Executor::start/recover, destroyed (its destructor must release everything: kill and
// reap processes, remove containers) by the host through the SDK.
class Job {
public:
  Job() = default;
  Job(const Job &) = delete;
  Job &operator=(const Job &) = delete;
  virtual ~Job() = default;

  // Waits up to `timeout` (negative = forever; finite values are at most 24 h). nullopt = still running.
  virtual std::optional<JobResult> wait(std::chrono::milliseconds timeout) = 0;
  // Must return promptly, be idempotent and safe concurrently with wait().
  virtual void cancel(CancelMode mode, std::chrono::milliseconds grace) = 0;
  // HODEI_CAP_EXECUTOR_SIGNAL
  virtual void signal(int signo) { (void)signo, throw unsupported("signal is not supported by this executor"); }
  // HODEI_CAP_EXECUTOR_RECOVER: opaque bytes Executor::recover understands.
  virtual std::string handle() const { throw unsupported("recover is not supported by this executor"); }
};

class Executor {
public:
  virtual ~Executor() = default;
  // Throw invalid_argument("docker.image: expected a string") for a spec this executor cannot run.
  virtual void validate(const JobSpec &spec) { (void)spec; }
  virtual std::unique_ptr<Job> start(const JobSpec &spec, OutputSink sink) = 0;
  // HODEI_CAP_EXECUTOR_RECOVER
  virtual std::unique_ptr<Job> recover(std::string_view handle, OutputSink sink) {
    (void)handle, (void)sink;
    throw unsupported("recover is not supported by this executor");
  }
  // HODEI_CAP_EXECUTOR_FINGERPRINT: a JSON object.
  virtual std::string fingerprint() { throw unsupported("fingerprint is not supported by this executor"); }
};

// ---------------------------------------------------------------------------------------------------------------
// Artifact-backend side
// ---------------------------------------------------------------------------------------------------------------

struct ObjectInfo {
  uint64_t size = 0;
  int64_t modified_unix_ms = 0;
  std::string etag;
  std::string sha256_hex;

  [[nodiscard]] hodei_object_info to_c() const noexcept {
    hodei_object_info c{};
    c.struct_size = sizeof(c);
    c.size = size;
    c.modified_unix_ms = modified_unix_ms;
    std::strncpy(c.etag, etag.c_str(), sizeof(c.etag) - 1);
    std::strncpy(c.sha256_hex, sha256_hex.c_str(), sizeof(c.sha256_hex) - 1);
    return c;
  }
};

class CancelToken {
public:
  explicit CancelToken(const hodei_cancel_token *t) noexcept : t_(t) {}
  [[nodiscard]] bool cancelled() const noexcept {
    return t_ != nullptr && t_->is_cancelled != nullptr && t_->is_cancelled(t_->token_ctx) != 0;
  }
  // Throws Error(HODEI_ERR_CANCELLED) when cancelled: call between chunks.
  void throw_if_cancelled() const {
    if (cancelled()) throw Error(HODEI_ERR_CANCELLED, "transfer cancelled");
  }

private:
  const hodei_cancel_token *t_;
};

class ReadStream {
public:
  explicit ReadStream(const hodei_read_stream *s) noexcept : s_(s) {}
  // Bytes read into buf; 0 = end of stream. Throws Error on a source failure.
  size_t read(void *buf, size_t capacity) const {
    size_t n = 0;
    const hodei_status st = s_->read(s_->stream_ctx, static_cast<uint8_t *>(buf), capacity, &n);
    if (st != HODEI_OK) throw Error(st, "reading the source stream failed");
    if (n > capacity) throw Error(HODEI_ERR_INTERNAL, "the source stream returned more bytes than asked for");
    return n;
  }
  // Total size, or nullopt when unknown.
  [[nodiscard]] std::optional<uint64_t> size() const noexcept {
    return s_->size == HODEI_SIZE_UNKNOWN ? std::nullopt : std::optional<uint64_t>(s_->size);
  }

private:
  const hodei_read_stream *s_;
};

class WriteStream {
public:
  explicit WriteStream(const hodei_write_stream *s) noexcept : s_(s) {}
  void write(const void *data, size_t len) const {
    if (len == 0) return;
    const hodei_status st = s_->write(s_->stream_ctx, static_cast<const uint8_t *>(data), len);
    if (st != HODEI_OK) throw Error(st, "the destination stream refused the data");
  }

private:
  const hodei_write_stream *s_;
};

class ArtifactBackend {
public:
  using ListFn = std::function<bool(const std::string &uri, const ObjectInfo &info)>; // return false to stop

  virtual ~ArtifactBackend() = default;
  virtual ObjectInfo put(const std::string &uri, const ReadStream &src,
                         const std::optional<std::string> &expected_sha256, const CancelToken &cancel) = 0;
  // length == HODEI_SIZE_UNKNOWN: to the end.
  virtual void get(const std::string &uri, uint64_t offset, uint64_t length, const WriteStream &dst,
                   const CancelToken &cancel) = 0;
  // Throw not_found(...) when there is no object.
  virtual ObjectInfo stat(const std::string &uri) = 0;
  virtual void remove(const std::string &uri) = 0;
  // HODEI_CAP_ARTIFACT_LIST
  virtual void list(const std::string &prefix, const ListFn &fn, const CancelToken &cancel) {
    (void)prefix, (void)fn, (void)cancel;
    throw unsupported("list is not supported by this backend");
  }
};

// ---------------------------------------------------------------------------------------------------------------
// Plugin description and the entry point
// ---------------------------------------------------------------------------------------------------------------

struct PluginInfo {
  const char *id;                           // reverse-DNS, e.g. "com.example.executor.qemu"
  const char *name;                         // human-readable
  const char *version;                      // semver
  const char *description = nullptr;        // one line
  uint64_t capabilities = 0;                // HODEI_CAP_* bits
  const char *const *uri_schemes = nullptr; // artifact backends: {"s3", nullptr}
  const char *config_schema_json = nullptr;
};

namespace detail {

template <class T, class = void> struct has_info : std::false_type {};
template <class T>
struct has_info<T, std::void_t<decltype(T::info)>> : std::is_same<std::remove_cv_t<decltype(T::info)>, PluginInfo> {};

template <class T> struct Instance {
  Host host;
  T plugin;
  Instance(const hodei_host_services *h, std::string_view config) : host(h), plugin(host, config) {}
};

inline Job *as_job(hodei_job *j) noexcept { return reinterpret_cast<Job *>(j); }
inline hodei_job *as_c(Job *j) noexcept { return reinterpret_cast<hodei_job *>(j); }

template <class T> T &self(void *ctx) noexcept { return static_cast<Instance<T> *>(ctx)->plugin; }

template <class T> struct ExecutorTrampolines {
  static hodei_status validate(void *ctx, const hodei_job_spec *spec, hodei_error *err) noexcept {
    return guard(err, [&] { self<T>(ctx).validate(JobSpec::from_c(*spec)); });
  }
  static hodei_status start(void *ctx, const hodei_job_spec *spec, const hodei_output_sink *sink, hodei_job **out,
                            hodei_error *err) noexcept {
    return guard(err, [&] {
      Executor &ex = self<T>(ctx);
      const JobSpec s = JobSpec::from_c(*spec);
      ex.validate(s);
      std::unique_ptr<Job> job = ex.start(s, OutputSink(sink));
      if (!job) throw Error(HODEI_ERR_INTERNAL, "executor returned no job");
      *out = as_c(job.release());
    });
  }
  static hodei_status wait(void *, hodei_job *job, int64_t timeout_ms, hodei_job_result *out,
                           hodei_error *err) noexcept {
    return guard(err, [&]() -> hodei_status {
      // Negative = forever (passed on as -1 ms); a huge finite value is capped at a day so that a plugin's
      // condition_variable::wait_for cannot overflow (the host simply calls wait again).
      constexpr int64_t max_wait_ms = int64_t{24} * 3600 * 1000;
      const int64_t ms = timeout_ms < 0 ? -1 : std::min(timeout_ms, max_wait_ms);
      std::optional<JobResult> r = as_job(job)->wait(std::chrono::milliseconds(ms));
      if (!r) return HODEI_ERR_TIMEOUT;
      hodei_job_result c{};
      c.struct_size = sizeof(c);
      c.outcome = static_cast<int32_t>(r->outcome);
      c.exit_code = r->exit_code;
      c.term_signal = r->term_signal;
      c.steps_run = r->steps_run;
      c.oom_killed = r->oom_killed ? 1 : 0;
      std::strncpy(c.message, r->message.c_str(), sizeof(c.message) - 1);
      write_sized(out, c);
      return HODEI_OK;
    });
  }
  static hodei_status cancel(void *, hodei_job *job, int32_t mode, uint32_t grace_ms, hodei_error *err) noexcept {
    return guard(err, [&] {
      if (mode != HODEI_CANCEL_GRACEFUL && mode != HODEI_CANCEL_FORCE) throw invalid_argument("cancel: unknown mode");
      as_job(job)->cancel(static_cast<CancelMode>(mode), std::chrono::milliseconds(grace_ms));
    });
  }
  static void destroy(void *, hodei_job *job) noexcept {
    try {
      delete as_job(job);
    } catch (...) { // a destructor must not throw; never let it cross the ABI
    }
  }
  static hodei_status signal(void *, hodei_job *job, int32_t signo, hodei_error *err) noexcept {
    return guard(err, [&] { as_job(job)->signal(signo); });
  }
  static hodei_status get_handle(void *, hodei_job *job, uint8_t *buf, size_t cap, size_t *out_len,
                                 hodei_error *err) noexcept {
    return guard(err, [&] { return copy_out(as_job(job)->handle(), buf, cap, out_len, false); });
  }
  static hodei_status recover(void *ctx, const uint8_t *handle, size_t len, const hodei_output_sink *sink,
                              hodei_job **out, hodei_error *err) noexcept {
    return guard(err, [&] {
      std::unique_ptr<Job> job =
          self<T>(ctx).recover(std::string_view(reinterpret_cast<const char *>(handle), len), OutputSink(sink));
      if (!job) throw Error(HODEI_ERR_INTERNAL, "executor returned no job");
      *out = as_c(job.release());
    });
  }
  static hodei_status fingerprint(void *ctx, char *buf, size_t cap, size_t *out_len, hodei_error *err) noexcept {
    return guard(err, [&] { return copy_out(self<T>(ctx).fingerprint(), buf, cap, out_len, true); });
  }

  static const hodei_executor_v1 *table() noexcept {
    constexpr uint64_t caps = T::info.capabilities;
    static const hodei_executor_v1 t = {
        sizeof(hodei_executor_v1),
        0,
        &validate,
        &start,
        &wait,
        &cancel,
        &destroy,
        (caps & HODEI_CAP_EXECUTOR_SIGNAL) ? &signal : nullptr,
        (caps & HODEI_CAP_EXECUTOR_RECOVER) ? &get_handle : nullptr,
        (caps & HODEI_CAP_EXECUTOR_RECOVER) ? &recover : nullptr,
        (caps & HODEI_CAP_EXECUTOR_FINGERPRINT) ? &fingerprint : nullptr,
    };
    return &t;
  }
};

template <class T> struct BackendTrampolines {
  static hodei_status put(void *ctx, const char *uri, const hodei_read_stream *src, const char *expected,
                          const hodei_cancel_token *cancel, hodei_object_info *out, hodei_error *err) noexcept {
    return guard(err, [&] {
      std::optional<std::string> exp;
      if (expected != nullptr) exp = std::string(expected);
      const ObjectInfo info = self<T>(ctx).put(uri, ReadStream(src), exp, CancelToken(cancel));
      write_sized(out, info.to_c());
    });
  }
  static hodei_status get(void *ctx, const char *uri, uint64_t offset, uint64_t length, const hodei_write_stream *dst,
                          const hodei_cancel_token *cancel, hodei_error *err) noexcept {
    return guard(err, [&] { self<T>(ctx).get(uri, offset, length, WriteStream(dst), CancelToken(cancel)); });
  }
  static hodei_status stat(void *ctx, const char *uri, hodei_object_info *out, hodei_error *err) noexcept {
    return guard(err, [&] { write_sized(out, self<T>(ctx).stat(uri).to_c()); });
  }
  static hodei_status remove(void *ctx, const char *uri, hodei_error *err) noexcept {
    return guard(err, [&] { self<T>(ctx).remove(uri); });
  }
  static hodei_status list(void *ctx, const char *prefix, hodei_list_fn fn, void *user,
                           const hodei_cancel_token *cancel, hodei_error *err) noexcept {
    return guard(err, [&] {
      self<T>(ctx).list(
          prefix,
          [&](const std::string &uri, const ObjectInfo &info) {
            const hodei_object_info c = info.to_c();
            return fn(user, uri.c_str(), &c) == 0;
          },
          CancelToken(cancel));
    });
  }

  static const hodei_artifact_backend_v1 *table() noexcept {
    constexpr uint64_t caps = T::info.capabilities;
    static const hodei_artifact_backend_v1 t = {
        sizeof(hodei_artifact_backend_v1),
        0,
        &put,
        &get,
        &stat,
        &remove,
        (caps & HODEI_CAP_ARTIFACT_LIST) ? &list : nullptr,
    };
    return &t;
  }
};

template <class T> struct Entry {
  static constexpr bool is_executor = std::is_base_of_v<Executor, T>;
  static constexpr bool is_backend = std::is_base_of_v<ArtifactBackend, T>;

  static hodei_status init(const hodei_host_services *host, const char *config, void **out_ctx,
                           hodei_error *err) noexcept {
    // NOLINTNEXTLINE(bugprone-unhandled-exception-at-new): guard() turns std::bad_alloc into a status
    return guard(err, [&] { *out_ctx = new Instance<T>(host, config != nullptr ? config : "{}"); });
  }
  static void deinit(void *ctx) noexcept {
    try {
      delete static_cast<Instance<T> *>(ctx);
    } catch (...) { // never let a destructor's exception cross the ABI
    }
  }
  static const void *get_interface(void *, const char *id) noexcept {
    if (id == nullptr) return nullptr;
    if constexpr (is_executor) {
      if (std::strcmp(id, HODEI_EXECUTOR_INTERFACE_V1) == 0) return ExecutorTrampolines<T>::table();
    }
    if constexpr (is_backend) {
      if (std::strcmp(id, HODEI_ARTIFACT_BACKEND_INTERFACE_V1) == 0) return BackendTrampolines<T>::table();
    }
    return nullptr;
  }

  static const hodei_plugin *get() noexcept {
    static_assert(is_executor || is_backend,
                  "HODEI_PLUGIN(T): T must derive from hodei::sdk::Executor and/or hodei::sdk::ArtifactBackend");
    static_assert(has_info<T>::value,
                  "HODEI_PLUGIN(T): T needs a member `static constexpr hodei::sdk::PluginInfo info{...};`");
    static_assert(std::is_constructible_v<T, const Host &, std::string_view>,
                  "HODEI_PLUGIN(T): T needs a constructor T(const hodei::sdk::Host&, std::string_view config_json)");
    static const hodei_plugin_descriptor descriptor = {
        sizeof(hodei_plugin_descriptor),
        (is_executor ? HODEI_KIND_EXECUTOR : 0u) | (is_backend ? HODEI_KIND_ARTIFACT_BACKEND : 0u),
        T::info.capabilities,
        T::info.id,
        T::info.name,
        T::info.version,
        T::info.description,
        T::info.uri_schemes,
        T::info.config_schema_json,
    };
    static const hodei_plugin entry = {
        HODEI_PLUGIN_MAGIC,
        sizeof(hodei_plugin),
        HODEI_ABI_MAJOR,
        HODEI_PLUGIN_REQUIRED_ABI_MINOR,
        &descriptor,
        &init,
        &deinit,
        &get_interface,
    };
    return &entry;
  }
};

} // namespace detail
} // namespace hodei::sdk

// Emits the plugin's one exported C entry point for class T. Use once per plugin, in a .cpp file.
#define HODEI_PLUGIN(T)                                                                                                \
  extern "C" HODEI_EXPORT const hodei_plugin *hodei_plugin_entry(void) { return ::hodei::sdk::detail::Entry<T>::get(); }

#endif // HODEI_SDK_HPP
