// dev.example.executor.timestamped: runs each step with /bin/sh and prefixes every output line with a timestamp.
//
// A complete executor in one file, written with the header-only C++ SDK (hodei/sdk.hpp). It shows what the ABI asks
// of every executor (docs/plugin-abi.md, docs/plugin-guide.md):
//   - start returns at once; the steps run on a thread of the job;
//   - every step runs in its own process group, so cancel and destroy reach its children too;
//   - cancel is idempotent, thread-safe and graceful-then-force (SIGTERM, SIGKILL after grace_ms);
//   - the destructor (= destroy) kills and reaps everything;
//   - options the executor does not know are refused, naming the field.
//
// Job options (the job spec's "timestamped" object): {"clock": "utc"} (default, ISO-8601 UTC) or
// {"clock": "elapsed"} (seconds since the step started).
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <hodei/sdk.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char **environ;

namespace {

using namespace std::chrono_literals;
namespace sdk = hodei::sdk;
using Clock = std::chrono::steady_clock;

enum class ClockStyle { utc, elapsed };

struct Options {
  ClockStyle clock = ClockStyle::utc;

  static Options parse(const std::string &json) {
    const nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object()) throw sdk::invalid_argument("timestamped: options must be a JSON object");
    Options o;
    for (const auto &[key, value] : doc.items()) {
      if (key != "clock") throw sdk::invalid_argument("timestamped." + key + ": unknown option (known: clock)");
      if (value == "utc")
        o.clock = ClockStyle::utc;
      else if (value == "elapsed")
        o.clock = ClockStyle::elapsed;
      else
        throw sdk::invalid_argument("timestamped.clock: expected \"utc\" or \"elapsed\"");
    }
    return o;
  }
};

std::string timestamp(ClockStyle style, Clock::time_point step_start) {
  char buf[64];
  if (style == ClockStyle::elapsed) {
    const double s = std::chrono::duration<double>(Clock::now() - step_start).count();
    std::snprintf(buf, sizeof buf, "[+%.3fs] ", s);
    return buf;
  }
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  const size_t n = std::strftime(buf, sizeof buf, "[%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ] ", static_cast<int>(ms));
  return buf;
}

// Splits a stream into lines and hands each one, prefixed, to the sink.
class LinePrefixer {
public:
  LinePrefixer(sdk::OutputSink sink, sdk::Stream stream) : sink_(sink), stream_(stream) {}
  // Returns false once the host no longer takes output.
  bool feed(const char *data, size_t len, ClockStyle style, Clock::time_point start) {
    pending_.append(data, len);
    size_t pos = 0;
    for (size_t nl; (nl = pending_.find('\n', pos)) != std::string::npos; pos = nl + 1) {
      if (!emit(std::string_view(pending_).substr(pos, nl + 1 - pos), style, start)) return false;
    }
    pending_.erase(0, pos);
    if (pending_.size() > 64 * 1024) return flush(style, start); // a very long line: do not buffer without bound
    return true;
  }
  bool flush(ClockStyle style, Clock::time_point start) {
    if (pending_.empty()) return true;
    const bool ok = emit(pending_ + "\n", style, start);
    pending_.clear();
    return ok;
  }

private:
  bool emit(std::string_view line, ClockStyle style, Clock::time_point start) {
    const std::string out = timestamp(style, start) + std::string(line);
    return sink_.write(stream_, out);
  }
  sdk::OutputSink sink_;
  sdk::Stream stream_;
  std::string pending_;
};

class TimestampedJob final : public sdk::Job {
public:
  TimestampedJob(sdk::JobSpec spec, sdk::OutputSink sink, Options options)
      : spec_(std::move(spec)), sink_(sink), options_(options), thread_([this] { run(); }) {}

  // destroy: force-stop whatever runs, then wait for the thread, which reaps the step.
  ~TimestampedJob() override {
    cancel(sdk::CancelMode::force, 0ms);
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

  void cancel(sdk::CancelMode mode, std::chrono::milliseconds grace) override {
    const std::lock_guard<std::mutex> lock(mutex_);
    cancelled_ = true;
    if (pid_ <= 0) return; // between steps (or done): no further step starts
    if (mode == sdk::CancelMode::force) {
      ::kill(-pid_, SIGKILL);
    } else {
      ::kill(-pid_, SIGTERM);
      if (!kill_at_) kill_at_ = Clock::now() + grace; // the step thread escalates to SIGKILL then
    }
  }

private:
  struct StepEnd {
    int exit_code = -1;
    int term_signal = 0;
    std::string error; // could not run it
  };

  void run() {
    sdk::JobResult result;
    result.outcome = sdk::Outcome::succeeded;
    for (uint32_t i = 0; i < spec_.steps.size(); ++i) {
      if (is_cancelled()) { // no step starts after a cancel
        result.outcome = sdk::Outcome::cancelled;
        break;
      }
      sdk::StepResult step;
      step.index = i;
      step.started = std::chrono::system_clock::now();
      const auto begin = Clock::now();
      sink_.step_started(i);
      const StepEnd end = run_step(spec_.steps[i], begin);
      step.exit_code = end.exit_code;
      step.term_signal = end.term_signal;
      step.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - begin);
      sink_.step_finished(step);
      if (!end.error.empty()) {
        result = {sdk::Outcome::error, -1, 0, result.steps_run, false, end.error};
        if (end.error == "cancelled") result.outcome = sdk::Outcome::cancelled, result.message.clear();
        break;
      }
      ++result.steps_run;
      result.exit_code = end.exit_code;
      result.term_signal = end.term_signal;
      const bool ok = end.exit_code == 0 && end.term_signal == 0;
      if (is_cancelled()) {
        result.outcome = sdk::Outcome::cancelled;
        break;
      }
      if (!ok && !spec_.steps[i].continue_on_error) {
        result.outcome = sdk::Outcome::failed;
        break;
      }
    }
    if (is_cancelled() && result.outcome == sdk::Outcome::succeeded) result.outcome = sdk::Outcome::cancelled;
    const std::lock_guard<std::mutex> lock(mutex_);
    result_ = result;
    done_ = true;
    cv_.notify_all();
  }

  bool is_cancelled() {
    const std::lock_guard<std::mutex> lock(mutex_);
    return cancelled_;
  }

  std::vector<std::string> environment(const sdk::StepSpec &step) const {
    std::vector<std::string> env;
    for (char **e = environ; *e != nullptr; ++e) env.emplace_back(*e);
    auto set = [&](const std::string &name, const std::string &value) {
      const std::string prefix = name + "=";
      for (std::string &kv : env) {
        if (kv.compare(0, prefix.size(), prefix) == 0) return void(kv = prefix + value);
      }
      env.push_back(prefix + value);
    };
    for (const auto &v : spec_.env) set(v.name, v.value);
    for (const auto &v : spec_.secrets) set(v.name, v.value);
    for (const auto &v : step.env) set(v.name, v.value);
    return env;
  }

  StepEnd run_step(const sdk::StepSpec &step, Clock::time_point begin) {
    int out[2];
    int err[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return {-1, 0, std::string("pipe: ") + std::strerror(errno)};
    if (::pipe2(err, O_CLOEXEC) != 0) {
      ::close(out[0]), ::close(out[1]);
      return {-1, 0, std::string("pipe: ") + std::strerror(errno)};
    }
    std::vector<std::string> env = environment(step);
    std::vector<char *> envp;
    for (std::string &e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string script = step.run;
    std::string sh = "/bin/sh";
    std::string dash_c = "-c";
    char *argv[] = {sh.data(), dash_c.data(), script.data(), nullptr};
    const std::string dir = step.working_dir.empty() ? spec_.workspace : spec_.workspace + "/" + step.working_dir;

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigset_t defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    for (int s : {SIGPIPE, SIGTERM, SIGINT, SIGQUIT, SIGHUP}) sigaddset(&defaults, s);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setpgroup(&attr, 0); // its own process group: cancel signals the whole group
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    pid_t pid = -1;
    int spawn_error = 0;
    {
      const std::lock_guard<std::mutex> lock(mutex_); // no cancel can slip between the check and the spawn
      if (cancelled_)
        spawn_error = -1;
      else
        spawn_error = posix_spawn(&pid, argv[0], &actions, &attr, argv, envp.data());
      if (spawn_error == 0) pid_ = pid;
    }
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(out[1]);
    ::close(err[1]);
    if (spawn_error != 0) {
      ::close(out[0]), ::close(err[0]);
      if (spawn_error == -1) return {-1, 0, "cancelled"};
      return {-1, 0, std::string("cannot start /bin/sh: ") + std::strerror(spawn_error)};
    }

    LinePrefixer prefix_out(sink_, sdk::Stream::out);
    LinePrefixer prefix_err(sink_, sdk::Stream::err);
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open_fds = 2;
    int status = 0;
    bool reaped = false;
    bool sink_open = true;
    char buf[16 * 1024];
    while (open_fds > 0) {
      (void)::poll(fds, 2, 50);
      for (int k = 0; k < 2; ++k) {
        if (fds[k].fd < 0 || fds[k].revents == 0) continue;
        const ssize_t n = ::read(fds[k].fd, buf, sizeof buf);
        if (n > 0) {
          if (sink_open) {
            sink_open = (k == 0 ? prefix_out : prefix_err).feed(buf, static_cast<size_t>(n), options_.clock, begin);
            if (!sink_open) cancel(sdk::CancelMode::force, 0ms); // the host takes no more output
          }
        } else if (n == 0 || errno != EINTR) {
          ::close(fds[k].fd);
          fds[k].fd = -1;
          --open_fds;
        }
      }
      escalate_if_due();
      if (!reaped && ::waitpid(pid, &status, WNOHANG) == pid) {
        reaped = true;
        ::kill(-pid, SIGKILL); // what the step left in the background dies with it (and closes our pipes)
      }
    }
    if (!reaped) {
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
    if (sink_open) {
      prefix_out.flush(options_.clock, begin);
      prefix_err.flush(options_.clock, begin);
    }
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      pid_ = 0;
      kill_at_.reset();
    }
    if (WIFSIGNALED(status)) return {-1, WTERMSIG(status), {}};
    return {WEXITSTATUS(status), 0, {}};
  }

  void escalate_if_due() {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (kill_at_ && Clock::now() >= *kill_at_ && pid_ > 0) {
      ::kill(-pid_, SIGKILL);
      kill_at_.reset();
    }
  }

  const sdk::JobSpec spec_;
  const sdk::OutputSink sink_;
  const Options options_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool cancelled_ = false;
  bool done_ = false;
  pid_t pid_ = 0;
  std::optional<Clock::time_point> kill_at_;
  sdk::JobResult result_;
  std::thread thread_; // last: starts after every other member is ready
};

class TimestampedExecutor final : public sdk::Executor {
public:
  static constexpr sdk::PluginInfo info{
      "dev.example.executor.timestamped",
      "Timestamped shell executor (example)",
      "1.0.0",
      "Runs steps with /bin/sh and prefixes every output line with a timestamp",
  };

  TimestampedExecutor(const sdk::Host &host, std::string_view config_json) : host_(host) {
    const nlohmann::json config = nlohmann::json::parse(config_json, nullptr, /*allow_exceptions=*/false);
    if (!config.is_object()) throw sdk::invalid_argument("config: expected a JSON object");
    if (!config.empty()) throw sdk::invalid_argument("config." + config.begin().key() + ": unknown field (none known)");
    host_.debug("timestamped executor ready");
  }

  void validate(const sdk::JobSpec &spec) override {
    (void)Options::parse(spec.options_json);
    if (spec.workspace.empty() || spec.workspace.front() != '/') throw sdk::invalid_argument("workspace: not absolute");
  }

  std::unique_ptr<sdk::Job> start(const sdk::JobSpec &spec, sdk::OutputSink sink) override {
    return std::make_unique<TimestampedJob>(spec, sink, Options::parse(spec.options_json));
  }

private:
  sdk::Host host_;
};

} // namespace

HODEI_PLUGIN(TimestampedExecutor)
