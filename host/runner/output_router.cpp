#include "output_router.hpp"

#include <chrono>

namespace hodei::runner {

namespace {
LogStream to_log_stream(plugins::OutputStream s) {
  return s == plugins::OutputStream::err ? LogStream::err : LogStream::out;
}
std::span<const uint8_t> as_bytes(const std::string &s) {
  return {reinterpret_cast<const uint8_t *>(s.data()), s.size()};
}
} // namespace

OutputRouter::OutputRouter(const std::vector<std::string> &secrets, std::vector<StepReport> &steps, JobEvents &events)
    : events_(events), steps_(steps), out_(secrets), err_(secrets) {}

OutputRouter::StreamState &OutputRouter::state(plugins::OutputStream stream) {
  return stream == plugins::OutputStream::err ? err_ : out_;
}

bool OutputRouter::on_output(plugins::OutputStream stream, std::span<const uint8_t> bytes) {
  StreamState &st = state(stream);
  {
    const std::lock_guard lock(st.mutex);
    if (st.masker.empty()) { // a job without secrets: no copy of its output on the way to the journal
      events_.on_output(to_log_stream(stream), bytes);
      return !cancelling_;
    }
    const std::string masked =
        st.masker.process(std::string_view(reinterpret_cast<const char *>(bytes.data()), bytes.size()));
    if (!masked.empty()) events_.on_output(to_log_stream(stream), as_bytes(masked));
  }
  return !cancelling_;
}

void OutputRouter::flush_stream(plugins::OutputStream stream) {
  StreamState &st = state(stream);
  const std::lock_guard lock(st.mutex);
  const std::string rest = st.masker.flush();
  if (!rest.empty()) events_.on_output(to_log_stream(stream), as_bytes(rest));
}

void OutputRouter::flush() {
  flush_stream(plugins::OutputStream::out);
  flush_stream(plugins::OutputStream::err);
}

void OutputRouter::on_step_started(uint32_t index) {
  StepReport copy;
  {
    const std::lock_guard lock(steps_mutex_);
    if (index >= steps_.size()) return; // a plugin bug; the runner reports the result without it
    steps_[index].ran = true;
    steps_[index].started = std::chrono::system_clock::now();
    copy = steps_[index];
  }
  events_.on_step_started(index, copy);
}

void OutputRouter::on_step_finished(const plugins::StepResult &result) {
  // A secret split at a step boundary must not stay held back into the next step's output.
  flush();
  StepReport copy;
  {
    const std::lock_guard lock(steps_mutex_);
    if (result.index >= steps_.size()) return;
    StepReport &s = steps_[result.index];
    s.ran = true;
    s.exit_code = result.exit_code;
    s.term_signal = result.term_signal;
    s.oom_killed = result.oom_killed;
    s.duration = std::chrono::milliseconds(result.duration_ms);
    if (result.started_unix_ms > 0) {
      s.started = std::chrono::system_clock::time_point(std::chrono::milliseconds(result.started_unix_ms));
    }
    copy = s;
  }
  events_.on_step_finished(result.index, copy);
}

} // namespace hodei::runner
