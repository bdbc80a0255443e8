// Spawning uses posix_spawn rather than fork+exec or Boost.Process:
//   - it is libc, so the plugin links nothing but the plugin API (Boost.Process would add Boost.Filesystem);
//   - glibc implements it with clone(CLONE_VM | CLONE_VFORK): no copy of a large multi-threaded worker's page
//     tables and no hand-written "only async-signal-safe calls between fork and exec" child code;
//   - glibc reports a failed exec (missing shell, bad folder) as posix_spawn's return value, synchronously;
//   - everything we need has a spawn attribute or file action: POSIX_SPAWN_SETPGROUP (the group), addchdir_np (the
//     working folder), addclosefrom_np (no inherited fd even if another part of the worker forgot O_CLOEXEC).
#include "process_group.hpp"

#include <cerrno>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>
#include <utility>

namespace hodei::shell {

namespace {

void check(int rc, const char *what) {
  if (rc != 0) throw std::system_error(rc, std::generic_category(), what);
}

class SpawnAttributes {
public:
  SpawnAttributes() { check(::posix_spawnattr_init(&attr_), "posix_spawnattr_init"); }
  SpawnAttributes(const SpawnAttributes &) = delete;
  SpawnAttributes &operator=(const SpawnAttributes &) = delete;
  ~SpawnAttributes() { ::posix_spawnattr_destroy(&attr_); }
  posix_spawnattr_t *get() noexcept { return &attr_; }

private:
  posix_spawnattr_t attr_{};
};

class SpawnFileActions {
public:
  SpawnFileActions() { check(::posix_spawn_file_actions_init(&actions_), "posix_spawn_file_actions_init"); }
  SpawnFileActions(const SpawnFileActions &) = delete;
  SpawnFileActions &operator=(const SpawnFileActions &) = delete;
  ~SpawnFileActions() { ::posix_spawn_file_actions_destroy(&actions_); }
  posix_spawn_file_actions_t *get() noexcept { return &actions_; }

private:
  posix_spawn_file_actions_t actions_{};
};

// A NULL-terminated char* array over strings that outlive it, as exec wants.
std::vector<char *> c_array(const std::vector<std::string> &strings) {
  std::vector<char *> out;
  out.reserve(strings.size() + 1);
  for (const std::string &s : strings) out.push_back(const_cast<char *>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// Own process group: cancel and signal reach the step's whole tree (grandchildren too) with one kill(-pgid), and a
// Ctrl-C on the worker's terminal does not hit the steps directly. Signal mask and dispositions are reset because
// the worker may block signals in its threads or ignore SIGPIPE, and both are inherited through exec: a step
// started with SIGTERM blocked could not be cancelled gracefully, one with SIGPIPE ignored breaks `yes | head`.
void set_attributes(SpawnAttributes &attr) {
  sigset_t empty;
  sigemptyset(&empty);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig = 1; sig < 32; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) sigaddset(&defaults, sig);
  }
  check(::posix_spawnattr_setpgroup(attr.get(), 0), "posix_spawnattr_setpgroup");
  check(::posix_spawnattr_setsigmask(attr.get(), &empty), "posix_spawnattr_setsigmask");
  check(::posix_spawnattr_setsigdefault(attr.get(), &defaults), "posix_spawnattr_setsigdefault");
  const short flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  check(::posix_spawnattr_setflags(attr.get(), flags), "posix_spawnattr_setflags");
}

void set_file_actions(SpawnFileActions &actions, const SpawnRequest &request) {
  posix_spawn_file_actions_t *a = actions.get();
  check(::posix_spawn_file_actions_addopen(a, 0, "/dev/null", O_RDONLY, 0), "posix_spawn_file_actions_addopen");
  check(::posix_spawn_file_actions_adddup2(a, request.stdout_fd, 1), "posix_spawn_file_actions_adddup2");
  check(::posix_spawn_file_actions_adddup2(a, request.stderr_fd, 2), "posix_spawn_file_actions_adddup2");
  check(::posix_spawn_file_actions_addclosefrom_np(a, 3), "posix_spawn_file_actions_addclosefrom_np");
  check(::posix_spawn_file_actions_addchdir_np(a, request.cwd.c_str()), "posix_spawn_file_actions_addchdir_np");
}

// The raw syscall, not glibc's wrapper: glibc 2.36's <sys/pidfd.h> lacks extern "C" (fixed in 2.37), so C++ code
// cannot link against it. Returns -1 on kernels without pidfds (< 5.3); the caller then polls with a tick.
int open_pidfd(pid_t pid) noexcept {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

} // namespace

ProcessGroup ProcessGroup::spawn(const SpawnRequest &request) {
  SpawnAttributes attr;
  set_attributes(attr);
  SpawnFileActions actions;
  set_file_actions(actions, request);
  std::vector<char *> argv = c_array(request.argv);
  std::vector<char *> envp = c_array(request.env);
  pid_t pid = -1;
  check(::posix_spawn(&pid, argv[0], actions.get(), attr.get(), argv.data(), envp.data()), "posix_spawn");
  return ProcessGroup(pid);
}

ProcessGroup::ProcessGroup(pid_t pid) noexcept : pid_(pid), pidfd_(open_pidfd(pid)) {}

ProcessGroup::ProcessGroup(ProcessGroup &&other) noexcept
    : pid_(std::exchange(other.pid_, -1)), reaped_(std::exchange(other.reaped_, true)),
      pidfd_(std::move(other.pidfd_)) {}

ProcessGroup::~ProcessGroup() {
  if (pid_ > 0 && !reaped_) {
    signal(SIGKILL);
    (void)reap();
  }
}

void ProcessGroup::signal(int signo) const noexcept {
  if (pid_ > 0 && !reaped_) (void)::kill(-pid_, signo);
}

bool ProcessGroup::leader_exited() const noexcept {
  siginfo_t info{};
  int rc = 0;
  do {
    rc = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT);
  } while (rc != 0 && errno == EINTR);
  // An error (ECHILD: reaped behind our back) counts as exited, so the job thread moves on instead of hanging.
  return rc != 0 || info.si_pid != 0;
}

std::optional<int> ProcessGroup::reap() noexcept {
  if (reaped_) return std::nullopt;
  int status = 0;
  pid_t rc = 0;
  do {
    rc = ::waitpid(pid_, &status, 0);
  } while (rc < 0 && errno == EINTR);
  reaped_ = true;
  pidfd_.reset();
  if (rc != pid_) return std::nullopt;
  return status;
}

} // namespace hodei::shell
