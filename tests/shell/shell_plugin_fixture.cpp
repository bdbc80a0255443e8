#include "shell_plugin_fixture.hpp"

#include <cstring>
#include <dlfcn.h>
#include <stdexcept>
#include <stdlib.h>

namespace hodei::shell_test {

std::string plugin_path() { return std::string(HODEI_PLUGIN_DIR) + "/libhodei-executor-shell.so"; }
std::string generator_path() { return HODEI_SHELL_TEST_GEN; }

namespace {

struct Library {
  void *handle = nullptr;
  const hodei_plugin *entry = nullptr;
};

Library open_library() {
  Library lib;
  lib.handle = ::dlopen(plugin_path().c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib.handle == nullptr) throw std::runtime_error(std::string("dlopen: ") + ::dlerror());
  auto fn = reinterpret_cast<hodei_plugin_entry_fn>(::dlsym(lib.handle, HODEI_PLUGIN_ENTRY_SYMBOL));
  if (fn == nullptr) {
    ::dlclose(lib.handle);
    throw std::runtime_error("no hodei_plugin_entry");
  }
  lib.entry = fn();
  return lib;
}

hodei_error error_buffer(std::vector<char> &storage) {
  storage.assign(1024, '\0');
  return hodei_error{sizeof(hodei_error), static_cast<uint32_t>(storage.size()), storage.data()};
}

} // namespace

ShellPlugin::ShellPlugin(const std::string &config_json) {
  Library lib = open_library();
  library_ = lib.handle;
  entry_ = lib.entry;
  services_ = {sizeof(hodei_host_services), HODEI_ABI_MAJOR, HODEI_ABI_MINOR, this, &log, &config_get, &get_extension};
  std::vector<char> message;
  hodei_error err = error_buffer(message);
  const hodei_status st = entry_->init(&services_, config_json.c_str(), &ctx_, &err);
  if (st != HODEI_OK) {
    ::dlclose(library_);
    throw std::runtime_error("init failed: " + std::string(message.data()));
  }
  executor_ = static_cast<const hodei_executor_v1 *>(entry_->get_interface(ctx_, HODEI_EXECUTOR_INTERFACE_V1));
  if (executor_ == nullptr) {
    entry_->deinit(ctx_);
    ::dlclose(library_);
    throw std::runtime_error("no executor interface");
  }
}

ShellPlugin::~ShellPlugin() {
  entry_->deinit(ctx_);
  ::dlclose(library_);
}

InitOutcome ShellPlugin::try_init(const std::string &config_json) {
  Library lib = open_library();
  hodei_host_services services{
      sizeof(hodei_host_services), HODEI_ABI_MAJOR, HODEI_ABI_MINOR, nullptr, nullptr, nullptr, nullptr};
  std::vector<char> message;
  hodei_error err = error_buffer(message);
  void *ctx = nullptr;
  InitOutcome outcome;
  outcome.status = lib.entry->init(&services, config_json.c_str(), &ctx, &err);
  outcome.message = message.data();
  if (outcome.status == HODEI_OK) lib.entry->deinit(ctx);
  ::dlclose(lib.handle);
  return outcome;
}

std::vector<std::string> ShellPlugin::log_lines() const {
  std::lock_guard lock(log_mutex_);
  return log_lines_;
}

void ShellPlugin::log(void *host_ctx, int32_t, const char *message) {
  auto *self = static_cast<ShellPlugin *>(host_ctx);
  std::lock_guard lock(self->log_mutex_);
  self->log_lines_.emplace_back(message);
}

hodei_status ShellPlugin::config_get(void *, const char *key, char *buf, size_t capacity, size_t *out_len) {
  if (std::strcmp(key, "worker.id") != 0) return HODEI_ERR_NOT_FOUND;
  static const char value[] = "test-worker";
  *out_len = sizeof(value) - 1;
  if (capacity < sizeof(value)) return HODEI_ERR_RESOURCE_EXHAUSTED;
  std::memcpy(buf, value, sizeof(value));
  return HODEI_OK;
}

const void *ShellPlugin::get_extension(void *, const char *) { return nullptr; }

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "hodei-shell-test-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

const hodei_job_spec &Job::c() {
  c_step_env_.clear();
  c_steps_.clear();
  const auto kv = [](const Vars &vars) {
    std::vector<hodei_kv> out;
    for (const auto &[k, v] : vars) out.push_back({k.c_str(), v.c_str()});
    return out;
  };
  for (const Step &s : steps) c_step_env_.push_back(kv(s.env));
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step &s = steps[i];
    hodei_step_spec c{};
    c.struct_size = sizeof(c);
    c.continue_on_error = s.continue_on_error ? 1 : 0;
    c.name = s.name.c_str();
    c.run = s.run.c_str();
    c.env = c_step_env_[i].empty() ? nullptr : c_step_env_[i].data();
    c.env_count = static_cast<uint32_t>(c_step_env_[i].size());
    c.working_dir = s.working_dir.empty() ? nullptr : s.working_dir.c_str();
    c_steps_.push_back(c);
  }
  c_env_ = kv(env);
  c_secrets_ = kv(secrets);
  c_spec_ = hodei_job_spec{};
  c_spec_.struct_size = sizeof(c_spec_);
  c_spec_.step_count = static_cast<uint32_t>(c_steps_.size());
  c_spec_.job_id = id.c_str();
  c_spec_.job_name = name.c_str();
  c_spec_.workspace = workspace.c_str();
  c_spec_.steps = c_steps_.empty() ? nullptr : c_steps_.data();
  c_spec_.env = c_env_.empty() ? nullptr : c_env_.data();
  c_spec_.env_count = static_cast<uint32_t>(c_env_.size());
  c_spec_.secret_count = static_cast<uint32_t>(c_secrets_.size());
  c_spec_.secrets = c_secrets_.empty() ? nullptr : c_secrets_.data();
  c_spec_.options_json = options_json.c_str();
  return c_spec_;
}

RunningJob::RunningJob(ShellPlugin &plugin, Job &job, TestSink &sink) : plugin_(plugin), sink_(sink) {
  std::vector<char> message;
  hodei_error err = error_buffer(message);
  const hodei_status st = plugin.executor().start(plugin.ctx(), &job.c(), sink.c_sink(), &job_, &err);
  if (st != HODEI_OK) throw std::runtime_error("start failed: " + std::string(message.data()));
}

InitOutcome RunningJob::try_start(ShellPlugin &plugin, Job &job, TestSink &sink) {
  std::vector<char> message;
  hodei_error err = error_buffer(message);
  hodei_job *handle = nullptr;
  InitOutcome outcome;
  outcome.status = plugin.executor().start(plugin.ctx(), &job.c(), sink.c_sink(), &handle, &err);
  outcome.message = message.data();
  if (handle != nullptr) plugin.executor().destroy(plugin.ctx(), handle);
  return outcome;
}

hodei_status RunningJob::wait(int64_t timeout_ms, hodei_job_result &out) {
  out = hodei_job_result{};
  out.struct_size = sizeof(out);
  return plugin_.executor().wait(plugin_.ctx(), job_, timeout_ms, &out, nullptr);
}

hodei_status RunningJob::wait_into(int64_t timeout_ms, hodei_job_result *out) {
  return plugin_.executor().wait(plugin_.ctx(), job_, timeout_ms, out, nullptr);
}

hodei_job_result RunningJob::wait_done(std::chrono::milliseconds limit) {
  hodei_job_result result{};
  const hodei_status st = wait(limit.count(), result);
  if (st != HODEI_OK) throw std::runtime_error("wait: job did not end in time (status " + std::to_string(st) + ")");
  return result;
}

hodei_status RunningJob::cancel(int32_t mode, uint32_t grace_ms) {
  return plugin_.executor().cancel(plugin_.ctx(), job_, mode, grace_ms, nullptr);
}

InitOutcome RunningJob::signal(int32_t signo) {
  std::vector<char> message;
  hodei_error err = error_buffer(message);
  InitOutcome outcome;
  outcome.status = plugin_.executor().signal(plugin_.ctx(), job_, signo, &err);
  outcome.message = message.data();
  return outcome;
}

void RunningJob::destroy() {
  if (job_ == nullptr) return;
  plugin_.executor().destroy(plugin_.ctx(), job_);
  job_ = nullptr;
  sink_.close();
}

hodei_job_result run_job(ShellPlugin &plugin, Job &job, TestSink &sink, std::chrono::milliseconds limit) {
  RunningJob running(plugin, job, sink);
  return running.wait_done(limit);
}

Job one_step(const std::string &workspace, const std::string &run) {
  Job job;
  job.workspace = workspace;
  job.steps.push_back(Step{"only", run, "", false, {}});
  return job;
}

} // namespace hodei::shell_test

namespace hodei::shell_test {
std::string protocol_errors(const TestSink &sink) {
  std::string all;
  for (const std::string &v : sink.violations()) all += v + "; ";
  return all;
}
} // namespace hodei::shell_test
