#include "test_support.hpp"

#include <dlfcn.h>
#include <stdexcept>
#include <stdlib.h>

namespace hodei::test {

TempPluginDir::TempPluginDir() {
  std::string pattern = (fs::temp_directory_path() / "hodei-plugin-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
  fs::permissions(path_, fs::perms(0755), fs::perm_options::replace);
}

TempPluginDir::~TempPluginDir() {
  std::error_code ec;
  fs::permissions(path_, fs::perms(0755), fs::perm_options::replace, ec);
  fs::remove_all(path_, ec);
}

fs::path TempPluginDir::add(const std::string &name, const std::string &as) const {
  fs::path to = path_ / (as.empty() ? name : as);
  fs::copy_file(test_plugin_dir() / name, to, fs::copy_options::overwrite_existing);
  fs::permissions(to, fs::perms(0644), fs::perm_options::replace);
  return to;
}

class LogCapture::Sink final : public spdlog::sinks::base_sink<std::mutex> {
public:
  std::vector<std::string> lines() {
    const std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }

protected:
  void sink_it_(const spdlog::details::log_msg &msg) override {
    lines_.emplace_back(msg.payload.data(), msg.payload.size());
  }
  void flush_() override {}

private:
  std::vector<std::string> lines_;
};

LogCapture::LogCapture() : sink_(std::make_shared<Sink>()), previous_(spdlog::default_logger()) {
  auto logger = std::make_shared<spdlog::logger>("test", sink_);
  logger->set_level(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

LogCapture::~LogCapture() { spdlog::set_default_logger(previous_); }

std::vector<std::string> LogCapture::lines() const { return sink_->lines(); }

bool LogCapture::contains(const std::string &needle) const { return index_of(needle) >= 0; }

long LogCapture::index_of(const std::string &needle) const {
  const auto all = lines();
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i].find(needle) != std::string::npos) return static_cast<long>(i);
  }
  return -1;
}

plugins::RegistryOptions options_for(const fs::path &dir) {
  plugins::RegistryOptions options;
  options.plugin_dirs = {dir};
  options.host_settings = {{"worker.id", "worker-0042"}, {"worker.name", "test worker"}};
  return options;
}

std::vector<std::string> loaded_ids(const plugins::PluginRegistry &registry) {
  std::vector<std::string> ids;
  for (const auto &info : registry.plugins()) ids.push_back(info.id);
  return ids;
}

bool is_library_loaded(const fs::path &file) {
  void *handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (handle == nullptr) return false;
  ::dlclose(handle); // drops only the reference RTLD_NOLOAD just took
  return true;
}

bool CollectingReceiver::on_output(plugins::OutputStream stream, std::span<const uint8_t> bytes) {
  if (throw_on_output) throw_on_output();
  const std::lock_guard<std::mutex> lock(mutex_);
  (stream == plugins::OutputStream::out ? out_ : err_).append(bytes.begin(), bytes.end());
  return !refuse_output;
}

void CollectingReceiver::on_step_started(uint32_t index) {
  const std::lock_guard<std::mutex> lock(mutex_);
  events_.push_back("started " + std::to_string(index));
}

void CollectingReceiver::on_step_finished(const plugins::StepResult &result) {
  const std::lock_guard<std::mutex> lock(mutex_);
  events_.push_back("finished " + std::to_string(result.index) + " exit " + std::to_string(result.exit_code));
}

std::string CollectingReceiver::out() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return out_;
}
std::string CollectingReceiver::err() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return err_;
}
std::vector<std::string> CollectingReceiver::events() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return events_;
}

plugins::ExecSpec spec_with_steps(const std::vector<std::string> &runs, const std::string &job_id) {
  plugins::ExecSpec spec;
  spec.job_id = job_id;
  spec.job_name = "test job";
  spec.workspace = fs::temp_directory_path().string();
  for (size_t i = 0; i < runs.size(); ++i) spec.steps.push_back({"step" + std::to_string(i), runs[i], "", false, {}});
  spec.env = {{"A", "1"}};
  spec.secrets = {{"TOKEN", "s3cr3t"}};
  return spec;
}

} // namespace hodei::test
