// A test executor that RUNS jobs but breaks four rules, so that `plugins check` must fail four checks with their
// reasons (and pass the others):
//   - stderr is merged into stdout                     -> exec-output: "stderr of step 1: ... missing"
//   - a graceful cancel sends SIGTERM and never SIGKILL -> exec-cancel: the SIGTERM-ignoring step never ends
//   - destroy kills the shell but not its process group -> exec-destroy: "left N process(es) running"
//   - unknown job options are accepted                  -> exec-bad-spec: "accepted options_json ..."
#include <condition_variable>
#include <csignal>
#include <fcntl.h>
#include <hodei/sdk.hpp>
#include <mutex>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char **environ;

namespace {

namespace sdk = hodei::sdk;

class SloppyJob final : public sdk::Job {
public:
  SloppyJob(sdk::JobSpec spec, sdk::OutputSink sink)
      : spec_(std::move(spec)), sink_(sink), thread_([this] { run(); }) {}
  ~SloppyJob() override {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      cancelled_ = true;
      if (pid_ > 0) ::kill(pid_, SIGKILL); // BUG: the shell only, not its process group
    }
    thread_.join();
  }
  std::optional<sdk::JobResult> wait(std::chrono::milliseconds timeout) override {
    std::unique_lock<std::mutex> lock(mutex_);
    if (timeout.count() < 0)
      cv_.wait(lock, [&] { return done_; });
    else if (!cv_.wait_for(lock, timeout, [&] { return done_; }))
      return std::nullopt;
    return result_;
  }
  void cancel(sdk::CancelMode mode, std::chrono::milliseconds) override {
    const std::lock_guard<std::mutex> lock(mutex_);
    cancelled_ = true;
    if (pid_ > 0) ::kill(-pid_, mode == sdk::CancelMode::force ? SIGKILL : SIGTERM); // BUG: no escalation
  }

private:
  void run() {
    sdk::JobResult r;
    r.outcome = sdk::Outcome::succeeded;
    for (uint32_t i = 0; i < spec_.steps.size(); ++i) {
      int fds[2];
      if (::pipe2(fds, O_CLOEXEC) != 0) break;
      posix_spawn_file_actions_t actions;
      posix_spawn_file_actions_init(&actions);
      posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
      posix_spawn_file_actions_adddup2(&actions, fds[1], 2); // BUG: stderr merged into stdout
      posix_spawn_file_actions_addchdir_np(&actions, spec_.workspace.c_str());
      posix_spawnattr_t attr;
      posix_spawnattr_init(&attr);
      posix_spawnattr_setpgroup(&attr, 0);
      posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
      std::string sh = "/bin/sh", c = "-c", script = spec_.steps[i].run;
      char *argv[] = {sh.data(), c.data(), script.data(), nullptr};
      std::vector<std::string> env;
      for (char **e = environ; *e != nullptr; ++e) env.emplace_back(*e);
      for (const auto &v : spec_.env) env.push_back(v.name + "=" + v.value);
      std::vector<char *> envp;
      envp.reserve(env.size() + 1);
      for (std::string &e : env) envp.push_back(e.data());
      envp.push_back(nullptr);
      pid_t pid = -1;
      bool started = false;
      {
        const std::lock_guard<std::mutex> lock(mutex_);
        if (!cancelled_ && posix_spawn(&pid, argv[0], &actions, &attr, argv, envp.data()) == 0)
          pid_ = pid, started = true;
      }
      posix_spawn_file_actions_destroy(&actions);
      posix_spawnattr_destroy(&attr);
      ::close(fds[1]);
      if (!started) {
        ::close(fds[0]);
        r.outcome = sdk::Outcome::cancelled;
        break;
      }
      sink_.step_started(i);
      char buf[8192];
      for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;)
        sink_.write(sdk::Stream::out, buf, static_cast<size_t>(n));
      ::close(fds[0]);
      int status = 0;
      ::waitpid(pid, &status, 0);
      sdk::StepResult s;
      s.index = i;
      s.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      s.term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      sink_.step_finished(s);
      bool cancelled = false;
      {
        const std::lock_guard<std::mutex> lock(mutex_);
        pid_ = 0;
        cancelled = cancelled_;
      }
      ++r.steps_run;
      r.exit_code = s.exit_code;
      r.term_signal = s.term_signal;
      if (cancelled) {
        r.outcome = sdk::Outcome::cancelled;
        break;
      }
      if (s.exit_code != 0 || s.term_signal != 0) {
        r.outcome = sdk::Outcome::failed;
        break;
      }
    }
    const std::lock_guard<std::mutex> lock(mutex_);
    result_ = r;
    done_ = true;
    cv_.notify_all();
  }

  const sdk::JobSpec spec_;
  const sdk::OutputSink sink_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool cancelled_ = false;
  bool done_ = false;
  pid_t pid_ = 0;
  sdk::JobResult result_;
  std::thread thread_;
};

class SloppyExecutor final : public sdk::Executor {
public:
  static constexpr sdk::PluginInfo info{"dev.hodei.test.sloppy", "Sloppy test executor", "1.0.0"};
  SloppyExecutor(const sdk::Host &, std::string_view) {}
  // BUG: no validate override: every option is accepted.
  std::unique_ptr<sdk::Job> start(const sdk::JobSpec &spec, sdk::OutputSink sink) override {
    return std::make_unique<SloppyJob>(spec, sink);
  }
};

} // namespace

HODEI_PLUGIN(SloppyExecutor)
