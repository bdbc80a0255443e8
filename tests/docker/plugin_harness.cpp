#include "plugin_harness.hpp"

#include <atomic>
#include <cstring>
#include <dlfcn.h>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace hodei::test {

namespace {

constexpr const char *kLevelNames[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR"};

} // namespace

HostStub::HostStub(std::string worker_id) : worker_id_(std::move(worker_id)) {
  services_.struct_size = sizeof(services_);
  services_.abi_major = HODEI_ABI_MAJOR;
  services_.abi_minor = HODEI_ABI_MINOR;
  services_.host_ctx = this;
  services_.log = &HostStub::on_log;
  services_.config_get = &HostStub::on_config_get;
  services_.get_extension = &HostStub::on_get_extension;
}

void HostStub::on_log(void *ctx, int32_t level, const char *message) {
  auto *self = static_cast<HostStub *>(ctx);
  const char *name = level >= 0 && level <= 4 ? kLevelNames[level] : "?";
  std::lock_guard lock(self->mutex_);
  self->logs_.push_back(std::string(name) + " " + message);
}

hodei_status HostStub::on_config_get(void *ctx, const char *key, char *buf, size_t capacity, size_t *out_len) {
  auto *self = static_cast<HostStub *>(ctx);
  if (std::strcmp(key, "worker.id") != 0) return HODEI_ERR_NOT_FOUND;
  const std::string &value = self->worker_id_;
  *out_len = value.size();
  if (capacity < value.size() + 1) return HODEI_ERR_RESOURCE_EXHAUSTED;
  std::memcpy(buf, value.c_str(), value.size() + 1);
  return HODEI_OK;
}

const void *HostStub::on_get_extension(void *, const char *) { return nullptr; }

std::vector<std::string> HostStub::logs() const {
  std::lock_guard lock(mutex_);
  return logs_;
}

bool HostStub::logged(std::string_view needle) const {
  std::lock_guard lock(mutex_);
  for (const auto &line : logs_) {
    if (line.find(needle) != std::string::npos) return true;
  }
  return false;
}

std::string unique_worker_id() {
  std::random_device rd;
  return "test-worker-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 100000);
}

PluginLibrary::PluginLibrary() {
  const std::string path = std::string(HODEI_PLUGIN_DIR) + "/libhodei-executor-docker.so";
  handle_ = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  // dlerror() is per-thread state; the tests load plugins from one thread.
  if (handle_ == nullptr)
    throw std::runtime_error("dlopen " + path + ": " + ::dlerror()); // NOLINT(concurrency-mt-unsafe)
  auto fn = reinterpret_cast<hodei_plugin_entry_fn>(::dlsym(handle_, HODEI_PLUGIN_ENTRY_SYMBOL));
  if (fn == nullptr) throw std::runtime_error(path + " has no " HODEI_PLUGIN_ENTRY_SYMBOL);
  entry_ = fn();
}

PluginLibrary::~PluginLibrary() {
  if (handle_ != nullptr) ::dlclose(handle_);
}

std::unique_ptr<Executor> Executor::init(const PluginLibrary &lib, const HostStub &host, const std::string &config,
                                         InitFailure *failure) {
  const hodei_plugin *entry = lib.entry();
  char message[1024] = {};
  hodei_error err{sizeof(hodei_error), sizeof message, message};
  void *ctx = nullptr;
  const hodei_status st = entry->init(host.services(), config.c_str(), &ctx, &err);
  if (st != HODEI_OK) {
    if (failure != nullptr) *failure = {st, message};
    return nullptr;
  }
  const auto *api = static_cast<const hodei_executor_v1 *>(entry->get_interface(ctx, HODEI_EXECUTOR_INTERFACE_V1));
  if (api == nullptr) {
    entry->deinit(ctx);
    throw std::runtime_error("the plugin has no " HODEI_EXECUTOR_INTERFACE_V1 " interface");
  }
  return std::unique_ptr<Executor>(new Executor(entry, ctx, api));
}

Executor::~Executor() { entry_->deinit(ctx_); }

const hodei_job_spec &JobDef::c() {
  c_step_env_.clear();
  c_steps_.clear();
  for (const StepDef &s : steps) {
    std::vector<hodei_kv> kv;
    for (const auto &[k, v] : s.env) kv.push_back({k.c_str(), v.c_str()});
    c_step_env_.push_back(std::move(kv));
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    hodei_step_spec cs{};
    cs.struct_size = sizeof(cs);
    cs.continue_on_error = steps[i].continue_on_error ? 1 : 0;
    cs.name = steps[i].name.c_str();
    cs.run = steps[i].run.c_str();
    cs.env = c_step_env_[i].empty() ? nullptr : c_step_env_[i].data();
    cs.env_count = static_cast<uint32_t>(c_step_env_[i].size());
    cs.working_dir = steps[i].working_dir.c_str();
    c_steps_.push_back(cs);
  }
  c_env_.clear();
  for (const auto &[k, v] : env) c_env_.push_back({k.c_str(), v.c_str()});
  c_secrets_.clear();
  for (const auto &[k, v] : secrets) c_secrets_.push_back({k.c_str(), v.c_str()});
  spec_ = hodei_job_spec{};
  spec_.struct_size = sizeof(spec_);
  spec_.step_count = static_cast<uint32_t>(c_steps_.size());
  spec_.job_id = id.c_str();
  spec_.job_name = name.c_str();
  spec_.workspace = workspace.c_str();
  spec_.steps = c_steps_.data();
  spec_.env = c_env_.empty() ? nullptr : c_env_.data();
  spec_.env_count = static_cast<uint32_t>(c_env_.size());
  spec_.secret_count = static_cast<uint32_t>(c_secrets_.size());
  spec_.secrets = c_secrets_.empty() ? nullptr : c_secrets_.data();
  spec_.options_json = options_json.c_str();
  return spec_;
}

std::string unique_job_id(std::string_view prefix) {
  static std::atomic<int> counter{0};
  return std::string(prefix) + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

RunningJob::RunningJob(const Executor &ex, JobDef &def, const TestSink &sink) : ex_(ex) {
  char message[1024] = {};
  hodei_error err{sizeof(hodei_error), sizeof message, message};
  status_ = ex_.api().start(ex_.ctx(), &def.c(), sink.c_sink(), &job_, &err);
  if (status_ != HODEI_OK) {
    error_ = message;
    job_ = nullptr;
  }
}

RunningJob::~RunningJob() { destroy(); }

void RunningJob::destroy() {
  if (job_ != nullptr) ex_.api().destroy(ex_.ctx(), job_);
  job_ = nullptr;
}

std::optional<hodei_job_result> RunningJob::wait(std::chrono::milliseconds timeout) {
  if (job_ == nullptr) throw std::logic_error("wait on a job that did not start");
  hodei_job_result result{};
  result.struct_size = sizeof(result);
  char message[1024] = {};
  hodei_error err{sizeof(hodei_error), sizeof message, message};
  const hodei_status st = ex_.api().wait(ex_.ctx(), job_, timeout.count(), &result, &err);
  if (st == HODEI_ERR_TIMEOUT) return std::nullopt;
  if (st != HODEI_OK) throw std::runtime_error("wait failed with status " + std::to_string(st) + ": " + message);
  return result;
}

hodei_status RunningJob::cancel(int32_t mode, uint32_t grace_ms) {
  return ex_.api().cancel(ex_.ctx(), job_, mode, grace_ms, nullptr);
}

hodei_status RunningJob::signal(int32_t signo, std::string *text) {
  char message[1024] = {};
  hodei_error err{sizeof(hodei_error), sizeof message, message};
  const hodei_status st = ex_.api().signal(ex_.ctx(), job_, signo, &err);
  if (text != nullptr) *text = message;
  return st;
}

TempDir::TempDir() {
  std::string templ = (std::filesystem::temp_directory_path() / "hodei-docker-test.XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

} // namespace hodei::test
