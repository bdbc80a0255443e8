// Test helper: a long-running program (a server, a worker) whose stdout and stderr go to files that can be read at
// any time while it runs; waits for a line, signals, restarts. The destructor SIGKILLs and reaps it.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace hodei::test {

class LoggedProcess {
public:
  // stdout goes to <log_prefix>.out, stderr to <log_prefix>.err (appended: a restarted process keeps one log).
  LoggedProcess(std::vector<std::string> argv, std::filesystem::path log_prefix,
                std::vector<std::string> extra_env = {});
  ~LoggedProcess();
  LoggedProcess(const LoggedProcess &) = delete;
  LoggedProcess &operator=(const LoggedProcess &) = delete;

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  void signal(int signo) const;
  [[nodiscard]] std::string out() const;
  [[nodiscard]] std::string err() const;
  // Waits until `needle` appears in stdout or stderr (after `from` bytes of stderr+stdout seen), or timeout.
  bool wait_for_output(const std::string &needle, std::chrono::milliseconds timeout) const;
  // The exit code (128 + signal when killed), or nullopt when it still runs after `timeout`.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  [[nodiscard]] bool running();

private:
  std::vector<std::string> argv_;
  std::filesystem::path prefix_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

// Polls `condition` every 50 ms until it holds or `timeout` passed; returns its last value.
bool eventually(const std::function<bool()> &condition, std::chrono::milliseconds timeout);

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_tcp_port();

std::string read_file(const std::filesystem::path &path);

} // namespace hodei::test
