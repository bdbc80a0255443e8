// ProcessGroup: one step's process tree, started as the leader of a new process group. RAII: a group that is
// destroyed before it was reaped is SIGKILLed and reaped, so no error path leaves a process or a zombie behind.
//
// Thread rules: signal() may be called from any thread as long as reap() has not been called yet (the owner
// guarantees that, see JobControl); everything else belongs to the thread that spawned the group.
#pragma once

#include "unique_fd.hpp"

#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace hodei::shell {

struct SpawnRequest {
  const std::vector<std::string> &argv; // argv[0] is an absolute path; no PATH search
  const std::vector<std::string> &env;  // "NAME=value" strings: the child's whole environment
  const std::string &cwd;
  int stdout_fd; // becomes the child's fd 1
  int stderr_fd; // becomes the child's fd 2
};

class ProcessGroup {
public:
  // Starts the program as the leader of a new process group with stdin on /dev/null, default signal dispositions,
  // an empty signal mask and no fd other than 0, 1, 2. Throws std::system_error with the errno of the failure
  // (ENOENT for a missing program, ...) when it could not be started.
  static ProcessGroup spawn(const SpawnRequest &request);

  ProcessGroup(ProcessGroup &&other) noexcept;
  ProcessGroup &operator=(ProcessGroup &&) = delete;
  ProcessGroup(const ProcessGroup &) = delete;
  ProcessGroup &operator=(const ProcessGroup &) = delete;
  ~ProcessGroup();

  [[nodiscard]] pid_t id() const noexcept { return pid_; }

  // Sends `signo` to every process of the group (the leader and the descendants that did not leave the group).
  // Safe only while the leader is unreaped: its pid, which is the group id, cannot be reused until then.
  void signal(int signo) const noexcept;

  // A pidfd that polls readable once the leader has exited, or -1 when the kernel has none (then poll with a tick).
  [[nodiscard]] int exit_fd() const noexcept { return pidfd_.get(); }

  // Whether the leader has exited. Does not reap it, so the group id stays reserved for signal().
  [[nodiscard]] bool leader_exited() const noexcept;

  // Waits for the leader and collects its wait status. nullopt when someone else reaped it (a worker that sets
  // SIGCHLD to SIG_IGN or calls waitpid(-1) steals our children; the result is then unknown).
  std::optional<int> reap() noexcept;

private:
  explicit ProcessGroup(pid_t pid) noexcept;

  pid_t pid_ = -1;
  bool reaped_ = false;
  UniqueFd pidfd_;
};

} // namespace hodei::shell
