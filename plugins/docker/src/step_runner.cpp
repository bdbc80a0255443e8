#include "step_runner.hpp"

#include "stream_demuxer.hpp"

#include <csignal>
#include <thread>

namespace hodei::docker {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kSigkillExit = 128 + SIGKILL;

} // namespace

StepRunner::StepRunner(const DockerApi &api, JobControl &control, const sdk::Host &host, sdk::OutputSink sink,
                       Interrupt &stream_interrupt, std::span<uint8_t> buffer)
    : api_(api), control_(control), host_(host), sink_(sink), stream_interrupt_(stream_interrupt), buffer_(buffer) {}

std::optional<StepRun> StepRunner::run(const std::string &container_id, uint32_t index, const std::string &name,
                                       const nlohmann::json &exec_body, bool memory_limited) {
  ExecStartWindow window(control_);
  if (!window.open()) return std::nullopt;
  StepRun out;
  out.result.index = index;
  out.result.started = std::chrono::system_clock::now();
  const auto t0 = Clock::now();
  sink_.step_started(index);
  try {
    std::string exec_id;
    std::unique_ptr<HttpConnection> stream;
    try {
      exec_id = api_.create_exec(container_id, exec_body);
      stream = api_.start_exec(exec_id, &stream_interrupt_);
    } catch (const ApiError &e) {
      // The container stopped before the exec: creating it answers 409, but when the container exits between
      // create and start the daemon answers 500 ("is not running"). Either way the container's state says why;
      // explain_exec_failure leaves the message as it is while the container runs.
      throw sdk::Error(e.status(), explain_exec_failure(container_id, e.what()));
    }
    window.close(); // the step's process exists: signals may go to the container again
    pump(*stream);
    stream.reset();
    const int code = wait_for_exit(exec_id);
    out.result.exit_code = code;
    if (code == kSigkillExit && !control_.cancel_requested() &&
        oom_killed(container_id, out.result.started, memory_limited)) {
      out.result.oom_killed = true;
      out.result.term_signal = SIGKILL;
      const std::string message = "step \"" + name +
                                  "\" was killed by the kernel's OOM killer: the container went over its memory "
                                  "limit (docker.memory)";
      host_.warn(message);
      (void)sink_.write(sdk::Stream::err, "hodei-executor-docker: " + message + "\n");
    } else if (code > 128 && code <= 128 + 64 && control_.signals_sent()) {
      out.result.term_signal = code - 128; // 128+N after we signalled: the step died of signal N
    } else if (code != 0 && !control_.cancel_requested() && container_stopped_under_step(container_id, code)) {
      // The container died under the step (its keeper exited): not the step's own failure.
      out.error = explain_exec_failure(container_id, "the container stopped while the step ran");
    }
    if (out.error) {
      host_.warn("step \"" + name + "\": " + *out.error);
      (void)sink_.write(sdk::Stream::err, "hodei-executor-docker: " + *out.error + "\n");
    }
  } catch (const std::exception &e) {
    window.close();
    out.result.exit_code = -1;
    out.error = e.what();
    host_.warn("step \"" + name + "\": " + e.what());
    (void)sink_.write(sdk::Stream::err, std::string("hodei-executor-docker: ") + e.what() + "\n");
  }
  out.result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  sink_.step_finished(out.result);
  return out;
}

void StepRunner::pump(HttpConnection &stream) {
  StreamDemuxer demuxer;
  for (;;) {
    const size_t n = stream.read_some(buffer_);
    if (n == 0) break;
    std::span<const uint8_t> input = buffer_.first(n);
    while (const std::optional<StreamDemuxer::Piece> piece = demuxer.next(input)) {
      // Stream 3 carries the daemon's own error messages (e.g. the program could not be started): they belong
      // with the step's errors. Stream 0 (stdin echo) never comes without a TTY; keep it with stdout if it does.
      const sdk::Stream to = piece->stream == StreamDemuxer::kStderr || piece->stream == StreamDemuxer::kSystemError
                                 ? sdk::Stream::err
                                 : sdk::Stream::out;
      if (!sink_.write(to, piece->bytes.data(), piece->bytes.size())) control_.note_sink_cancelled();
    }
  }
  if (!demuxer.at_frame_boundary())
    throw sdk::io_error("the step's output stream ended in the middle of a frame (the daemon closed the connection)");
}

int StepRunner::wait_for_exit(const std::string &exec_id) {
  // The stream ends when the step's process closed stdout and stderr; the daemon learns of the exit a moment later.
  // (A step that closes its outputs and keeps running is waited for, like the shell waits for it; a cancel ends it.)
  auto delay = std::chrono::milliseconds(2);
  for (;;) {
    const nlohmann::json state = api_.inspect_exec(exec_id);
    const auto running = state.find("Running");
    const auto code = state.find("ExitCode");
    if (running != state.end() && running->is_boolean() && !running->get<bool>() && code != state.end() &&
        code->is_number_integer())
      return code->get<int>();
    if (stream_interrupt_.triggered()) throw sdk::Error(HODEI_ERR_CANCELLED, "waiting for the step to exit: aborted");
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(250));
  }
}

bool StepRunner::oom_killed(const std::string &container_id, std::chrono::system_clock::time_point since,
                            bool memory_limited) {
  // The "oom" event and the exit reach the daemon on separate paths: allow it a moment to show up, but only when a
  // limit makes an OOM kill likely (a 137 without a limit is almost always a plain kill -9).
  const int attempts = memory_limited ? 20 : 1;
  for (int i = 0; i < attempts; ++i) {
    try {
      if (!api_.events(since, std::chrono::system_clock::now(), {{"container", {container_id}}, {"event", {"oom"}}})
               .empty())
        return true;
    } catch (const std::exception &e) {
      host_.warn(std::string("could not read the daemon's events to check for an OOM kill: ") + e.what());
      return false;
    }
    if (i + 1 < attempts) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

bool StepRunner::container_running(const std::string &container_id) const {
  try {
    return api_.inspect_container(container_id).at("State").at("Running").get<bool>();
  } catch (const std::exception &) {
    return true; // cannot tell: say nothing rather than something wrong
  }
}

bool StepRunner::container_stopped_under_step(const std::string &container_id, int exit_code) const {
  const bool cannot_execute = exit_code == 126 || exit_code == 127;
  const int attempts = cannot_execute ? 10 : 1;
  for (int i = 0; i < attempts; ++i) {
    if (!container_running(container_id)) return true;
    if (i + 1 < attempts) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::string StepRunner::explain_exec_failure(const std::string &container_id, const std::string &message) const {
  try {
    const nlohmann::json state = api_.inspect_container(container_id).at("State");
    if (state.at("Running").get<bool>()) return message;
    const int code = state.at("ExitCode").get<int>();
    if (code == 127)
      return message + " (the container's keeper process exited with 127: the image needs /bin/sh and sleep)";
    return message + " (the container stopped with exit code " + std::to_string(code) +
           (state.value("OOMKilled", false) ? ", killed for exceeding its memory limit)" : ")");
  } catch (const std::exception &) {
    return message;
  }
}

} // namespace hodei::docker
