// Host-side handle to one executor of one loaded plugin. The dispatcher and runner talk to executors only through
// this type (never to the C vtable), so an isolated out-of-process mode can slot in behind it later.
#pragma once

#include "plugin_info.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace hodei::plugins {

class LoadedPlugin;

// What an executor needs to run one job: the plain-C++ mirror of hodei_job_spec.
struct ExecStep {
  std::string name;
  std::string run;
  std::string working_dir;
  bool continue_on_error = false;
  std::map<std::string, std::string> env;
};

struct ExecSpec {
  std::string job_id;
  std::string job_name;
  std::string workspace; // absolute
  std::vector<ExecStep> steps;
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> secrets;
  std::string options_json = "{}";
};

enum class OutputStream : uint32_t { out = 1, err = 2 };
enum class Outcome : int32_t { succeeded = 0, failed = 1, cancelled = 2, error = 3 };
enum class CancelMode : int32_t { graceful = 0, force = 1 };

struct StepResult {
  uint32_t index = 0;
  int32_t exit_code = -1;
  int32_t term_signal = 0;
  int64_t started_unix_ms = 0;
  int64_t duration_ms = 0;
  bool oom_killed = false;
};

struct ExecResult {
  Outcome outcome = Outcome::error;
  int32_t exit_code = -1;
  int32_t term_signal = 0;
  uint32_t steps_run = 0;
  bool oom_killed = false;
  std::string message;
};

// Receives a job's output and step events. Implemented by the runner. Called from plugin threads: must be
// thread-safe; calls for one stream never overlap.
class OutputReceiver {
public:
  virtual ~OutputReceiver() = default;
  // May block to push back. Returns false once the job is being cancelled (the bytes were still taken).
  virtual bool on_output(OutputStream stream, std::span<const uint8_t> bytes) = 0;
  virtual void on_step_started(uint32_t index) = 0;
  virtual void on_step_finished(const StepResult &result) = 0;
};

// A job started by an executor. RAII: the destructor force-cancels if still running, waits, and destroys it in the
// plugin. Keeps the plugin library loaded while it lives.
class RunningJob {
public:
  virtual ~RunningJob() = default;
  // nullopt while still running after `timeout` (negative = wait forever).
  virtual std::optional<ExecResult> wait(std::chrono::milliseconds timeout) = 0;
  // Idempotent, any thread, returns at once. Throws PluginCallError if the plugin reports an error.
  virtual void cancel(CancelMode mode, std::chrono::milliseconds grace) = 0;
};

class ExecutorHandle {
public:
  virtual ~ExecutorHandle() = default;
  [[nodiscard]] virtual const PluginInfo &info() const = 0;
  // Throws PluginCallError (status + the plugin's message) when the executor refuses the spec.
  virtual void validate(const ExecSpec &spec) const = 0;
  // `receiver` must outlive the returned job. Throws PluginCallError on failure.
  virtual std::unique_ptr<RunningJob> start(const ExecSpec &spec, OutputReceiver &receiver) = 0;
  // Executor fingerprint JSON, or nullopt without HODEI_CAP_EXECUTOR_FINGERPRINT.
  [[nodiscard]] virtual std::optional<std::string> fingerprint() const = 0;
};

} // namespace hodei::plugins
