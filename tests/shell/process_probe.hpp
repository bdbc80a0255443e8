// Looks at processes and file descriptors through /proc, to check what the executor leaves behind.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace hodei::shell_test {

// Open file descriptors of this process.
size_t count_open_fds();

// Live (not zombie) and zombie children of `parent`.
std::vector<pid_t> children_of(pid_t parent);

// True when `pid` no longer runs: gone, or a zombie (in this VM pid 1 does not reap orphans, so a killed grandchild
// stays a zombie forever).
bool process_gone(pid_t pid);

// /proc/<pid>/cmdline or environ, NUL separators kept. Empty when unreadable.
std::string read_proc_file(pid_t pid, const char *name);
std::vector<pid_t> all_pids();

// Polls `done` every few milliseconds until it holds or `limit` passes; returns its last value.
bool eventually(const std::function<bool()> &done, std::chrono::milliseconds limit);

// Waits for a file holding a pid (written by a step), up to `limit`.
std::optional<pid_t> wait_for_pid_file(const std::string &path, std::chrono::milliseconds limit);

std::string read_file(const std::string &path);

// Peak resident memory of this process so far (VmHWM), in bytes.
uint64_t peak_rss_bytes();

} // namespace hodei::shell_test
