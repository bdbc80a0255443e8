#include "process_probe.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace hodei::shell_test {

namespace {

// The fields after "pid (comm) ": state, ppid. comm may hold spaces and parentheses, hence the last ')'.
bool read_stat(pid_t pid, char &state, pid_t &ppid) {
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return false;
  std::istringstream rest(stat.substr(close + 2));
  return static_cast<bool>(rest >> state >> ppid);
}

} // namespace

size_t count_open_fds() {
  size_t n = 0;
  for (const auto &entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    (void)entry;
    ++n;
  }
  return n - 1; // the iterator's own descriptor on /proc/self/fd
}

std::vector<pid_t> all_pids() {
  std::vector<pid_t> pids;
  for (const auto &entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos)
      pids.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return pids;
}

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  for (const pid_t pid : all_pids()) {
    char state = 0;
    pid_t ppid = 0;
    if (read_stat(pid, state, ppid) && ppid == parent) out.push_back(pid);
  }
  return out;
}

bool process_gone(pid_t pid) {
  char state = 0;
  pid_t ppid = 0;
  if (!read_stat(pid, state, ppid)) return true;
  return state == 'Z' || state == 'X';
}

std::string read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string read_proc_file(pid_t pid, const char *name) {
  return read_file("/proc/" + std::to_string(pid) + "/" + name);
}

bool eventually(const std::function<bool()> &done, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= until) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

std::optional<pid_t> wait_for_pid_file(const std::string &path, std::chrono::milliseconds limit) {
  std::optional<pid_t> pid;
  eventually(
      [&] {
        const std::string text = read_file(path);
        if (text.empty() || text.back() != '\n') return false; // not completely written yet
        pid = static_cast<pid_t>(std::stol(text));
        return true;
      },
      limit);
  return pid;
}

uint64_t peak_rss_bytes() {
  std::istringstream status(read_file("/proc/self/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;
  }
  return 0;
}

} // namespace hodei::shell_test
