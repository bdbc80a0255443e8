#include "console_events.hpp"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <unistd.h>

namespace hodei::cli {

namespace {
void write_all(int fd, const void *data, size_t len) {
  const auto *p = static_cast<const char *>(data);
  while (len > 0) {
    const ssize_t n = ::write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return; // the terminal went away: nothing useful left to do with console output
    p += n;
    len -= static_cast<size_t>(n);
  }
}
void write_str(int fd, std::string_view s) { write_all(fd, s.data(), s.size()); }

constexpr std::string_view red = "\033[31m";
constexpr std::string_view bold = "\033[1m";
constexpr std::string_view reset = "\033[0m";

std::string format_duration(std::chrono::milliseconds d) {
  if (d.count() < 1000) return fmt::format("{} ms", d.count());
  return fmt::format("{:.1f} s", static_cast<double>(d.count()) / 1000.0);
}
} // namespace

std::string describe_exit(const runner::StepReport &step) {
  if (!step.ran) return "not run";
  if (step.term_signal != 0) {
    const char *name = strsignal(step.term_signal); // NOLINT(concurrency-mt-unsafe): glibc returns a static table
    return fmt::format("signal {} ({}){}", step.term_signal, name != nullptr ? name : "?",
                       step.oom_killed ? ", out of memory" : "");
  }
  return fmt::format("exit {}{}", step.exit_code, step.oom_killed ? " (out of memory)" : "");
}

ConsoleEvents::ConsoleEvents(bool color) : color_(color) {}

void ConsoleEvents::say(const std::string &line) {
  const std::lock_guard lock(mutex_);
  write_str(STDERR_FILENO, color_ ? fmt::format("{}==> {}{}\n", bold, line, reset) : "==> " + line + "\n");
}

void ConsoleEvents::on_phase(runner::JobPhase) {}

void ConsoleEvents::on_step_started(uint32_t index, const runner::StepReport &step) {
  say(fmt::format("step {}: {}", index + 1, step.name));
}

void ConsoleEvents::on_output(runner::LogStream stream, std::span<const uint8_t> bytes) {
  const std::lock_guard lock(mutex_);
  if (stream == runner::LogStream::system) { // the worker's own lines about the job (artifacts, errors)
    const std::string_view text(reinterpret_cast<const char *>(bytes.data()), bytes.size());
    write_str(STDERR_FILENO, color_ ? fmt::format("{}==> {}{}", bold, text, reset) : "==> " + std::string(text));
  } else if (stream == runner::LogStream::err) {
    if (color_) write_str(STDERR_FILENO, red);
    write_all(STDERR_FILENO, bytes.data(), bytes.size());
    if (color_) write_str(STDERR_FILENO, reset);
  } else {
    write_all(STDOUT_FILENO, bytes.data(), bytes.size());
  }
}

void ConsoleEvents::on_step_finished(uint32_t, const runner::StepReport &step) {
  std::string note;
  if (step.continue_on_error && (step.exit_code != 0 || step.term_signal != 0)) note = " (allowed to fail)";
  say(fmt::format("step {} finished: {} in {}{}", step.name, describe_exit(step), format_duration(step.duration),
                  note));
}

void ConsoleEvents::on_finished(const runner::JobReport &report) {
  size_t width = 4;
  for (const runner::StepReport &s : report.steps) width = std::max(width, s.name.size());
  std::string summary = fmt::format("summary of job '{}' ({})\n", report.job_name, report.job_id);
  for (const runner::StepReport &s : report.steps) {
    summary += fmt::format(
        "    {:<{}}  {:<28} {}{}\n", s.name, width, describe_exit(s), s.ran ? format_duration(s.duration) : "",
        s.continue_on_error && s.ran && (s.exit_code != 0 || s.term_signal != 0) ? "  (allowed to fail)" : "");
  }
  summary += fmt::format("    job {} in {}", runner::to_string(report.outcome), format_duration(report.duration));
  if (!report.message.empty()) summary += ": " + report.message;
  say(summary);
}

} // namespace hodei::cli
