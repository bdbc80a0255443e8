// Drives the Docker executor plugin the way the host does: dlopen the built .so, call its C entry point, init it with
// a stub of the host services, and run jobs through the hodei_executor_v1 table. Nothing of the plugin's C++ crosses
// into the test except through the C ABI.
#pragma once

#include "test_sink.hpp"

#include <chrono>
#include <hodei/plugin_api.h>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hodei::test {

// The host services a plugin gets at init: log lines are recorded, config_get answers worker.id.
class HostStub {
public:
  explicit HostStub(std::string worker_id);
  [[nodiscard]] const hodei_host_services *services() const noexcept { return &services_; }
  [[nodiscard]] const std::string &worker_id() const noexcept { return worker_id_; }
  [[nodiscard]] std::vector<std::string> logs() const;
  [[nodiscard]] bool logged(std::string_view needle) const;

private:
  static void on_log(void *ctx, int32_t level, const char *message);
  static hodei_status on_config_get(void *ctx, const char *key, char *buf, size_t capacity, size_t *out_len);
  static const void *on_get_extension(void *ctx, const char *id);

  hodei_host_services services_{};
  std::string worker_id_;
  mutable std::mutex mutex_;
  std::vector<std::string> logs_;
};

// A worker id no other test process uses: each process reaps only its own leftovers.
std::string unique_worker_id();

// The plugin library, loaded with dlopen (RTLD_NOW | RTLD_LOCAL) and closed by the destructor.
class PluginLibrary {
public:
  PluginLibrary();
  ~PluginLibrary();
  PluginLibrary(const PluginLibrary &) = delete;
  PluginLibrary &operator=(const PluginLibrary &) = delete;
  [[nodiscard]] const hodei_plugin *entry() const noexcept { return entry_; }

private:
  void *handle_ = nullptr;
  const hodei_plugin *entry_ = nullptr;
};

// One initialised plugin instance; deinit in the destructor.
class Executor {
public:
  struct InitFailure {
    hodei_status status;
    std::string message;
  };
  // nullptr + *failure on a failed init.
  static std::unique_ptr<Executor> init(const PluginLibrary &lib, const HostStub &host, const std::string &config,
                                        InitFailure *failure = nullptr);
  ~Executor();
  Executor(const Executor &) = delete;
  Executor &operator=(const Executor &) = delete;

  [[nodiscard]] const hodei_executor_v1 &api() const noexcept { return *api_; }
  [[nodiscard]] void *ctx() const noexcept { return ctx_; }

private:
  Executor(const hodei_plugin *entry, void *ctx, const hodei_executor_v1 *api) : entry_(entry), ctx_(ctx), api_(api) {}
  const hodei_plugin *entry_;
  void *ctx_;
  const hodei_executor_v1 *api_;
};

struct StepDef {
  StepDef(std::string name_, std::string run_, bool continue_on_error_ = false)
      : name(std::move(name_)), run(std::move(run_)), continue_on_error(continue_on_error_) {}
  std::string name;
  std::string run;
  bool continue_on_error = false;
  std::vector<std::pair<std::string, std::string>> env;
  std::string working_dir;
};

// A job spec that owns its strings; c() gives the borrowed C view (valid while the JobDef lives, unchanged).
struct JobDef {
  std::string id;
  std::string name = "test job";
  std::string workspace;
  std::string options_json = "{}";
  std::vector<StepDef> steps;
  std::vector<std::pair<std::string, std::string>> env;
  std::vector<std::pair<std::string, std::string>> secrets;

  const hodei_job_spec &c();

private:
  hodei_job_spec spec_{};
  std::vector<hodei_step_spec> c_steps_;
  std::vector<std::vector<hodei_kv>> c_step_env_;
  std::vector<hodei_kv> c_env_;
  std::vector<hodei_kv> c_secrets_;
};

// A unique job id for this process.
std::string unique_job_id(std::string_view prefix);

// A started job; destroy in the destructor (which must remove everything).
class RunningJob {
public:
  // Starts `def` on `ex`; on failure status() != HODEI_OK and error() says why.
  RunningJob(const Executor &ex, JobDef &def, const TestSink &sink);
  ~RunningJob();
  RunningJob(const RunningJob &) = delete;
  RunningJob &operator=(const RunningJob &) = delete;

  [[nodiscard]] hodei_status status() const noexcept { return status_; }
  [[nodiscard]] const std::string &error() const noexcept { return error_; }
  // The result, or nullopt if still running after `timeout`.
  std::optional<hodei_job_result> wait(std::chrono::milliseconds timeout);
  hodei_status cancel(int32_t mode, uint32_t grace_ms);
  hodei_status signal(int32_t signo, std::string *message = nullptr);
  // Destroys now (idempotent).
  void destroy();

private:
  const Executor &ex_;
  hodei_job *job_ = nullptr;
  hodei_status status_ = HODEI_OK;
  std::string error_;
};

// A temporary folder removed (recursively) by the destructor.
class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  [[nodiscard]] const std::string &path() const noexcept { return path_; }

private:
  std::string path_;
};

std::string read_file(const std::string &path);

} // namespace hodei::test
