// The processes below this one, from /proc: what `plugins check` uses to see what a plugin left running.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

namespace hodei::plugin_check {

struct ProcessEntry {
  pid_t pid = 0;
  pid_t ppid = 0;
  char state = '?';
  std::string command; // /proc/PID/cmdline with spaces
};

// Makes this process the reaper of its orphaned descendants (PR_SET_CHILD_SUBREAPER).
void become_subreaper() noexcept;
// Descendants of `root` that are alive (zombies excluded).
[[nodiscard]] std::vector<ProcessEntry> live_descendants(pid_t root);
// Reaps every exited child without blocking.
void reap_zombies() noexcept;
// SIGKILLs every descendant of this process and reaps them (bounded: a few hundred ms).
void kill_descendants() noexcept;

} // namespace hodei::plugin_check
