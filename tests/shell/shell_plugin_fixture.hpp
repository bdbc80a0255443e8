// Drives the built libhodei-executor-shell.so through its C ABI only, as the host would: dlopen, the entry point,
// init with a config, the "hodei.executor/1" table. Everything here is RAII so a failing test still cleans up.
#pragma once

#include "test_sink.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <hodei/plugin_api.h>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace hodei::shell_test {

std::string plugin_path();
// The deterministic output generator program (output_generator_main.cpp).
std::string generator_path();

struct InitOutcome {
  hodei_status status = HODEI_OK;
  std::string message;
};

// The dlopen'ed plugin library, initialised with a config. Not copyable.
class ShellPlugin {
public:
  explicit ShellPlugin(const std::string &config_json = "{}"); // throws std::runtime_error when init fails
  ShellPlugin(const ShellPlugin &) = delete;
  ShellPlugin &operator=(const ShellPlugin &) = delete;
  ~ShellPlugin();

  // Loads the library and calls init with `config_json`, expecting it to be refused; returns what init said.
  static InitOutcome try_init(const std::string &config_json);

  [[nodiscard]] const hodei_plugin &entry() const noexcept { return *entry_; }
  [[nodiscard]] const hodei_executor_v1 &executor() const noexcept { return *executor_; }
  [[nodiscard]] void *ctx() const noexcept { return ctx_; }
  // Lines the plugin wrote through host_services.log.
  [[nodiscard]] std::vector<std::string> log_lines() const;

private:
  static void log(void *host_ctx, int32_t level, const char *message);
  static hodei_status config_get(void *host_ctx, const char *key, char *buf, size_t capacity, size_t *out_len);
  static const void *get_extension(void *host_ctx, const char *id);

  void *library_ = nullptr;
  const hodei_plugin *entry_ = nullptr;
  const hodei_executor_v1 *executor_ = nullptr;
  void *ctx_ = nullptr;
  hodei_host_services services_{};
  mutable std::mutex log_mutex_;
  std::vector<std::string> log_lines_;
};

// A temporary folder, removed with its content on destruction.
class TempDir {
public:
  TempDir();
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  ~TempDir();
  [[nodiscard]] const std::filesystem::path &path() const noexcept { return path_; }
  [[nodiscard]] std::string str() const { return path_.string(); }

private:
  std::filesystem::path path_;
};

using Vars = std::vector<std::pair<std::string, std::string>>;

struct Step {
  std::string name;
  std::string run;
  std::string working_dir;
  bool continue_on_error = false;
  Vars env;
};

// A job spec owning its strings; c() builds the borrowed C view, valid until the next change.
struct Job {
  std::string id = "job-42";
  std::string name = "shell plugin test";
  std::string workspace;
  std::vector<Step> steps;
  Vars env;
  Vars secrets;
  std::string options_json = "{}";

  const hodei_job_spec &c();

private:
  std::vector<hodei_step_spec> c_steps_;
  std::vector<std::vector<hodei_kv>> c_step_env_;
  std::vector<hodei_kv> c_env_;
  std::vector<hodei_kv> c_secrets_;
  hodei_job_spec c_spec_{};
};

// A started job; destroy() (or the destructor) releases it in the plugin and closes the sink.
class RunningJob {
public:
  RunningJob(ShellPlugin &plugin, Job &job, TestSink &sink); // throws std::runtime_error when start fails
  RunningJob(const RunningJob &) = delete;
  RunningJob &operator=(const RunningJob &) = delete;
  ~RunningJob() { destroy(); }

  // start() that may fail: returns the status and message.
  static InitOutcome try_start(ShellPlugin &plugin, Job &job, TestSink &sink);

  hodei_status wait(int64_t timeout_ms, hodei_job_result &out);
  // wait with a struct the caller prepared (struct_size included).
  hodei_status wait_into(int64_t timeout_ms, hodei_job_result *out);
  // Waits up to `limit` for the end; throws std::runtime_error on timeout.
  hodei_job_result wait_done(std::chrono::milliseconds limit = std::chrono::seconds(20));
  hodei_status cancel(int32_t mode, uint32_t grace_ms);
  InitOutcome signal(int32_t signo);
  void destroy();

private:
  ShellPlugin &plugin_;
  TestSink &sink_;
  hodei_job *job_ = nullptr;
};

// start + wait_done + destroy.
hodei_job_result run_job(ShellPlugin &plugin, Job &job, TestSink &sink,
                         std::chrono::milliseconds limit = std::chrono::seconds(20));

// A one-step job in `workspace`.
Job one_step(const std::string &workspace, const std::string &run);

} // namespace hodei::shell_test

namespace hodei::shell_test {
// The sink protocol breaches joined in one string ("" when none), for CHECK(protocol_errors(sink) == "").
std::string protocol_errors(const TestSink &sink);
} // namespace hodei::shell_test
