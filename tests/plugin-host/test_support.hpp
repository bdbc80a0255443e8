// Helpers for the plugin-host tests: per-test plugin folders, log capture, an output receiver that records.
#pragma once

#include "executor_handle.hpp"
#include "plugin_registry.hpp"

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <string>
#include <vector>

namespace hodei::test {

namespace fs = std::filesystem;

// Where the build puts the test plugins (never the bundled plugin folder).
inline fs::path test_plugin_dir() { return HODEI_TEST_PLUGIN_DIR; }

// A fresh folder (mode 0755) under the temp dir, removed with everything in it when the object goes.
class TempPluginDir {
public:
  TempPluginDir();
  ~TempPluginDir();
  TempPluginDir(const TempPluginDir &) = delete;
  TempPluginDir &operator=(const TempPluginDir &) = delete;

  [[nodiscard]] const fs::path &path() const noexcept { return path_; }
  // Copies the test plugin `name` here as `as` (default: the same name) with mode 0644; returns the new path.
  fs::path add(const std::string &name, const std::string &as = {}) const;

private:
  fs::path path_;
};

// Makes every spdlog line go to memory while it lives (the default logger is swapped and restored).
class LogCapture {
public:
  LogCapture();
  ~LogCapture();
  LogCapture(const LogCapture &) = delete;
  LogCapture &operator=(const LogCapture &) = delete;

  [[nodiscard]] std::vector<std::string> lines() const;
  [[nodiscard]] bool contains(const std::string &needle) const;
  // Index of the first line containing `needle`, or -1.
  [[nodiscard]] long index_of(const std::string &needle) const;

  class Sink;

private:
  std::shared_ptr<Sink> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

// Options for one folder, with the host settings the tests expect.
plugins::RegistryOptions options_for(const fs::path &dir);

std::vector<std::string> loaded_ids(const plugins::PluginRegistry &registry);

// True while `file` is mapped in this process (dlopen RTLD_NOLOAD).
bool is_library_loaded(const fs::path &file);

// Records everything; can be told to throw or to refuse output.
class CollectingReceiver final : public plugins::OutputReceiver {
public:
  bool on_output(plugins::OutputStream stream, std::span<const uint8_t> bytes) override;
  void on_step_started(uint32_t index) override;
  void on_step_finished(const plugins::StepResult &result) override;

  [[nodiscard]] std::string out() const;
  [[nodiscard]] std::string err() const;
  [[nodiscard]] std::vector<std::string> events() const;

  std::function<void()> throw_on_output; // called (and may throw) before output is recorded
  bool refuse_output = false;            // on_output returns false

private:
  mutable std::mutex mutex_;
  std::string out_;
  std::string err_;
  std::vector<std::string> events_;
};

// A one-job spec whose steps run the given texts.
plugins::ExecSpec spec_with_steps(const std::vector<std::string> &runs, const std::string &job_id = "job-1");

} // namespace hodei::test
