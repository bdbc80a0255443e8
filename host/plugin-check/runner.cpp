#include "runner.hpp"

#include "process_tree.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>

extern char **environ;

namespace hodei::plugin_check {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

bool PluginReport::passed() const {
  return std::none_of(checks.begin(), checks.end(), [](const CheckResult &c) { return c.status == Status::fail; });
}

std::vector<std::string> child_arguments(const std::string &check, const fs::path &file, const CheckOptions &options,
                                         int result_fd) {
  std::vector<std::string> args{"plugins", "check-one", "--check", check, "--result-fd", std::to_string(result_fd)};
  if (!options.config_json.empty()) args.insert(args.end(), {"--config-json", options.config_json});
  if (!options.base_uri.empty()) args.insert(args.end(), {"--base-uri", options.base_uri});
  if (!options.executor_options.empty() && options.executor_options != "{}") {
    args.insert(args.end(), {"--executor-options", options.executor_options});
  }
  args.push_back("--");
  args.push_back(file.string());
  return args;
}

namespace {

std::string signal_description(int signo) {
  const char *abbrev = sigabbrev_np(signo);
  const char *text = sigdescr_np(signo);
  return std::to_string(signo) + " (" + (abbrev != nullptr ? std::string("SIG") + abbrev : std::string("?")) +
         (text != nullptr ? std::string(": ") + text : std::string()) + ")";
}

// The last lines of what the check process printed, for crash and timeout reports.
std::string tail_lines(const std::string &output, size_t max_lines) {
  if (output.empty()) return {};
  size_t pos = output.size();
  if (output.back() == '\n') --pos;
  size_t lines = 0;
  while (pos > 0 && lines < max_lines) {
    const size_t nl = output.rfind('\n', pos - 1);
    ++lines;
    if (nl == std::string::npos) {
      pos = 0;
      break;
    }
    pos = nl;
    if (lines == max_lines) ++pos;
  }
  std::string tail = output.substr(pos);
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
  while (!tail.empty() && tail.front() == '\n') tail.erase(0, 1);
  for (char &c : tail) {
    if (c == '\n') c = '|';
  }
  if (tail.size() > 400) tail = "..." + tail.substr(tail.size() - 400);
  return tail;
}

void drain(int fd, std::string &into) {
  char buf[4096];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      if (into.size() < (1u << 20)) into.append(buf, static_cast<size_t>(n));
      continue;
    }
    return; // 0: EOF, -1: EAGAIN or error
  }
}

} // namespace

CheckResult run_in_child(const std::string &check, const fs::path &file, const RunnerOptions &options) {
  constexpr int kResultFd = 3;
  CheckResult failed;
  failed.name = check;
  failed.status = Status::fail;

  int result_pipe[2];
  int output_pipe[2];
  if (::pipe2(result_pipe, O_CLOEXEC) != 0) {
    failed.reason = std::string("cannot create a pipe: ") + std::generic_category().message(errno);
    return failed;
  }
  if (::pipe2(output_pipe, O_CLOEXEC) != 0) {
    ::close(result_pipe[0]);
    ::close(result_pipe[1]);
    failed.reason = std::string("cannot create a pipe: ") + std::generic_category().message(errno);
    return failed;
  }
  // The child's TMPDIR: everything it (and the plugin) creates there is removed after it ended, even after a crash.
  const char *tmp = std::getenv("TMPDIR"); // NOLINT(concurrency-mt-unsafe): the worker never sets the environment
  std::string scratch = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/hodei-plugin-check-XXXXXX";
  if (::mkdtemp(scratch.data()) == nullptr) {
    for (int fd : {result_pipe[0], result_pipe[1], output_pipe[0], output_pipe[1]}) ::close(fd);
    failed.reason = std::string("cannot create a temporary folder: ") + std::generic_category().message(errno);
    return failed;
  }
  ::chmod(scratch.c_str(), 0755); // a container engine may need to reach the workspaces inside
  struct ScratchRemover {
    std::string path;
    ~ScratchRemover() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  } const scratch_remover{scratch};

  // Everything the child needs is built before fork: only async-signal-safe calls after it.
  std::vector<std::string> env_strings;
  for (char **e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "TMPDIR=", 7) != 0) env_strings.emplace_back(*e);
  }
  env_strings.push_back("TMPDIR=" + scratch);
  std::vector<char *> envp;
  envp.reserve(env_strings.size() + 1);
  for (std::string &e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string exe = options.worker_exe.string();
  std::vector<std::string> args = child_arguments(check, file, options.check, kResultFd);
  args.insert(args.begin(), "hodei-worker");
  std::vector<char *> argv;
  argv.reserve(args.size() + 1);
  for (std::string &a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  const auto begin = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) {
    failed.reason = std::string("cannot fork: ") + std::generic_category().message(errno);
    for (int fd : {result_pipe[0], result_pipe[1], output_pipe[0], output_pipe[1]}) ::close(fd);
    return failed;
  }
  if (pid == 0) {
    ::setpgid(0, 0); // its own process group: the parent kills the whole group on timeout
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(output_pipe[1], 1);
    ::dup2(output_pipe[1], 2);
    ::dup2(result_pipe[1], kResultFd); // dup2 clears FD_CLOEXEC on the new descriptor
    ::execve(exe.c_str(), argv.data(), envp.data());
    static const char msg[] = "plugin check: cannot execute the worker\n";
    (void)!::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::setpgid(pid, pid); // also here, so the group exists before we could need to kill it
  ::close(result_pipe[1]);
  ::close(output_pipe[1]);
  ::fcntl(result_pipe[0], F_SETFL, O_NONBLOCK);
  ::fcntl(output_pipe[0], F_SETFL, O_NONBLOCK);

  std::string result_text;
  std::string output;
  int status = 0;
  bool exited = false;
  bool timed_out = false;
  const auto deadline = begin + options.check.timeout;
  while (!exited) {
    pollfd fds[2] = {{result_pipe[0], POLLIN, 0}, {output_pipe[0], POLLIN, 0}};
    (void)::poll(fds, 2, 50);
    drain(result_pipe[0], result_text);
    drain(output_pipe[0], output);
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) {
      exited = true;
    } else if (std::chrono::steady_clock::now() > deadline) {
      timed_out = true;
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      (void)::waitpid(pid, &status, 0);
      exited = true;
    }
  }
  drain(result_pipe[0], result_text);
  drain(output_pipe[0], output);
  ::close(result_pipe[0]);
  ::close(output_pipe[0]);
  ::kill(-pid, SIGKILL); // anything left in the check's process group
  kill_descendants();    // and orphans re-parented to us (we are a subreaper)
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - begin).count();
  failed.duration_ms = took;
  const std::string tail = tail_lines(output, 6);
  const std::string last_output = tail.empty() ? std::string() : "; last output: " + tail;

  if (timed_out) {
    failed.reason = "timed out: the check did not finish within " + std::to_string(options.check.timeout.count()) +
                    " s and was killed (the plugin hangs, e.g. in wait or cancel; or raise --timeout)" + last_output;
    return failed;
  }
  if (!result_text.empty()) {
    const size_t line_end = result_text.find('\n');
    const nlohmann::json parsed = nlohmann::json::parse(result_text.substr(0, line_end), nullptr, false);
    if (parsed.is_object()) {
      CheckResult r = check_result_from_json(parsed);
      r.name = check;
      r.duration_ms = took;
      if (WIFSIGNALED(status) && r.status == Status::pass) {
        r.status = Status::fail;
        r.reason = "the check passed but the process then crashed with signal " + signal_description(WTERMSIG(status)) +
                   " (at exit: a plugin's static destructor or thread?)" + last_output;
      }
      return r;
    }
  }
  if (WIFSIGNALED(status)) {
    failed.reason = "crashed: the plugin killed the check process with signal " + signal_description(WTERMSIG(status)) +
                    "; run it under gdb or ASan (docs/plugin-guide.md)" + last_output;
  } else if (WIFEXITED(status)) {
    failed.reason = "the check process exited with code " + std::to_string(WEXITSTATUS(status)) +
                    " without a result (did the plugin call exit()?)" + last_output;
  } else {
    failed.reason = "the check process ended without a result" + last_output;
  }
  return failed;
}

PluginReport check_plugin(const fs::path &file, const RunnerOptions &options) {
  become_subreaper();
  PluginReport report;
  report.file = file.string();
  for (const std::string &check : static_checks()) report.checks.push_back(run_in_child(check, file, options));
  CheckResult load = run_in_child("load", file, options);
  const bool loaded = load.status == Status::pass;
  if (loaded) report.plugin = load.info;
  report.checks.push_back(load);

  std::vector<std::string> rest{"negotiate"};
  bool executor = false;
  bool backend = false;
  if (loaded && load.info.contains("kinds")) {
    for (const auto &k : load.info["kinds"]) {
      executor = executor || k == "executor";
      backend = backend || k == "artifact-backend";
    }
  }
  if (executor || !loaded) rest.insert(rest.end(), executor_checks().begin(), executor_checks().end());
  if (backend || !loaded) rest.insert(rest.end(), backend_checks().begin(), backend_checks().end());
  for (const std::string &check : rest) {
    if (!loaded) {
      CheckResult skipped;
      skipped.name = check;
      skipped.status = Status::skip;
      skipped.reason = "the plugin did not load (see the load check)";
      report.checks.push_back(skipped);
      continue;
    }
    report.checks.push_back(run_in_child(check, file, options));
  }
  return report;
}

std::string format_plugin_text(const PluginReport &r) {
  std::string out = r.file;
  if (r.plugin.is_object()) out += " (" + r.plugin.value("id", "?") + " " + r.plugin.value("version", "?") + ")";
  out += "\n";
  for (const CheckResult &c : r.checks) {
    const size_t pad = c.name.size() < 24 ? 24 - c.name.size() : 1;
    out += "  " + std::string(status_text(c.status)) + " " + c.name + std::string(pad, ' ') + c.reason + "\n";
  }
  out += std::string("  => ") + (r.passed() ? "PASS" : "FAIL") + "\n";
  return out;
}

std::string format_summary(const std::vector<PluginReport> &reports) {
  size_t counts[3] = {0, 0, 0};
  for (const PluginReport &r : reports) {
    for (const CheckResult &c : r.checks) ++counts[static_cast<int>(c.status)];
  }
  return std::to_string(reports.size()) + " plugin(s): " + std::to_string(counts[static_cast<int>(Status::pass)]) +
         " passed, " + std::to_string(counts[static_cast<int>(Status::fail)]) + " failed, " +
         std::to_string(counts[static_cast<int>(Status::skip)]) + " skipped\n";
}

std::string format_text(const std::vector<PluginReport> &reports) {
  std::string out;
  for (const PluginReport &r : reports) out += format_plugin_text(r);
  return out + format_summary(reports);
}

nlohmann::json format_json(const std::vector<PluginReport> &reports) {
  nlohmann::json out = {{"plugins", nlohmann::json::array()}};
  bool all = true;
  for (const PluginReport &r : reports) {
    nlohmann::json checks = nlohmann::json::array();
    for (const CheckResult &c : r.checks) checks.push_back(to_json(c));
    out["plugins"].push_back({{"file", r.file}, {"plugin", r.plugin}, {"passed", r.passed()}, {"checks", checks}});
    all = all && r.passed();
  }
  out["passed"] = all;
  return out;
}

} // namespace hodei::plugin_check
