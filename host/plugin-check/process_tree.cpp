#include "process_tree.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace hodei::plugin_check {

namespace {

std::vector<ProcessEntry> all_processes() {
  std::vector<ProcessEntry> out;
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(it->path() / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const size_t close = text.rfind(')'); // the command name may contain spaces and parentheses
    if (close == std::string::npos || close + 4 > text.size()) continue;
    ProcessEntry e;
    e.pid = static_cast<pid_t>(std::stol(name));
    e.state = text[close + 2];
    try {
      e.ppid = static_cast<pid_t>(std::stol(text.substr(close + 4)));
    } catch (const std::exception &) {
      continue;
    }
    std::ifstream cmdline(it->path() / "cmdline");
    e.command.assign((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    for (char &c : e.command) {
      if (c == '\0') c = ' ';
    }
    while (!e.command.empty() && e.command.back() == ' ') e.command.pop_back();
    out.push_back(std::move(e));
  }
  return out;
}

} // namespace

void become_subreaper() noexcept { (void)::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

std::vector<ProcessEntry> live_descendants(pid_t root) {
  const std::vector<ProcessEntry> all = all_processes();
  std::multimap<pid_t, const ProcessEntry *> children;
  for (const ProcessEntry &e : all) children.emplace(e.ppid, &e);
  std::vector<ProcessEntry> out;
  std::vector<pid_t> todo{root};
  while (!todo.empty()) {
    const pid_t parent = todo.back();
    todo.pop_back();
    const auto [begin, end] = children.equal_range(parent);
    for (auto it = begin; it != end; ++it) {
      todo.push_back(it->second->pid);
      if (it->second->state != 'Z' && it->second->state != 'X') out.push_back(*it->second);
    }
  }
  return out;
}

void reap_zombies() noexcept {
  int status = 0;
  while (::waitpid(-1, &status, WNOHANG) > 0) {
  }
}

void kill_descendants() noexcept {
  try {
    for (int round = 0; round < 10; ++round) {
      reap_zombies();
      const std::vector<ProcessEntry> left = live_descendants(::getpid());
      if (left.empty()) return;
      for (const ProcessEntry &e : left) (void)::kill(e.pid, SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    reap_zombies();
  } catch (...) { // best effort
  }
}

} // namespace hodei::plugin_check
