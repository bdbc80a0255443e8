// Test helper: runs a real program and captures its stdout, stderr and exit status separately.
#pragma once

#include <chrono>
#include <string>
#include <sys/types.h>
#include <vector>

namespace hodei::test {

struct ProcessResult {
  int exit_code = -1;  // when it exited
  int term_signal = 0; // when a signal ended it
  std::string out;
  std::string err;
  bool timed_out = false;
};

// Runs argv[0] (looked up in PATH) with the current environment plus `extra_env` ("NAME=value"), kills it with
// SIGKILL after `timeout`.
ProcessResult run_process(const std::vector<std::string> &argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(60),
                          const std::vector<std::string> &extra_env = {});

// A program started in the background, for tests that signal it while it runs. The destructor kills and reaps it.
class BackgroundProcess {
public:
  explicit BackgroundProcess(const std::vector<std::string> &argv, const std::vector<std::string> &extra_env = {});
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess &) = delete;
  BackgroundProcess &operator=(const BackgroundProcess &) = delete;

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  void signal(int signo) const;
  // Reads output until exit (or timeout, then SIGKILL) and returns everything.
  ProcessResult wait(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // Reads output until `needle` appears on stdout or stderr, or timeout; returns whether it appeared.
  bool wait_for_output(const std::string &needle, std::chrono::milliseconds timeout);

private:
  bool pump(std::chrono::milliseconds max_wait);
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  ProcessResult result_;
  bool reaped_ = false;
};

} // namespace hodei::test
