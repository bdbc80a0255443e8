#include "logged_process.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char **environ; // NOLINT(readability-redundant-declaration)

namespace hodei::test {

namespace {
using Clock = std::chrono::steady_clock;
} // namespace

std::string read_file(const std::filesystem::path &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

LoggedProcess::LoggedProcess(std::vector<std::string> argv, std::filesystem::path log_prefix,
                             std::vector<std::string> extra_env)
    : argv_(std::move(argv)), prefix_(std::move(log_prefix)) {
  const std::string out_path = prefix_.string() + ".out";
  const std::string err_path = prefix_.string() + ".err";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  std::vector<std::string> env;
  for (char **e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  std::vector<char *> cargs;
  for (std::string &s : argv_) cargs.push_back(s.data());
  cargs.push_back(nullptr);
  std::vector<char *> cenv;
  cenv.reserve(env.size() + 1);
  for (std::string &s : env) cenv.push_back(s.data());
  cenv.push_back(nullptr);
  const int rc = ::posix_spawnp(&pid_, cargs[0], &fa, nullptr, cargs.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("cannot start " + argv_[0] + ": " + std::strerror(rc));
}

LoggedProcess::~LoggedProcess() {
  if (!exit_code_) {
    ::kill(pid_, SIGCONT);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

void LoggedProcess::signal(int signo) const {
  if (!exit_code_) ::kill(pid_, signo);
}

std::string LoggedProcess::out() const { return read_file(prefix_.string() + ".out"); }
std::string LoggedProcess::err() const { return read_file(prefix_.string() + ".err"); }

bool LoggedProcess::wait_for_output(const std::string &needle, std::chrono::milliseconds timeout) const {
  return eventually([&] { return out().find(needle) != std::string::npos || err().find(needle) != std::string::npos; },
                    timeout);
}

std::optional<int> LoggedProcess::wait_exit(std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (!exit_code_) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return exit_code_;
}

bool LoggedProcess::running() { return !wait_exit(std::chrono::milliseconds(0)).has_value(); }

bool eventually(const std::function<bool()> &condition, std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

int free_tcp_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("bind");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

} // namespace hodei::test
