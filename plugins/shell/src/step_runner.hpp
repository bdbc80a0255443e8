// StepRunner: runs one step from spawn to reap on the job thread and reports its result.
//
// When a step ends: a step ends when its shell (the group leader) exits. Its output is then drained until both pipes
// reach end of file, for at most kDrainWindow (or, during a graceful cancel, until its grace period is over), because
// a backgrounded grandchild (`daemon &`) can keep them open forever. Then whatever is left in the step's process group
// is SIGKILLed, the pipes are drained of what those processes wrote (bounded by kFinalDrainLimit), and the leader is
// reaped. A process that left the group (setsid, setpgid) escapes the kill; it loses its stdout/stderr when the pipes
// are closed.
//
// Draining after the kill stops at end of file; or when the pipes stay silent for kFinalDrainIdle; or once more than
// the pipes can hold was read (killed processes cannot have left more than one pipe buffer each, so the rest comes
// from an escaped process); or once kFinalDrainLimit was spent waiting for data (an escaped process trickling
// output). Only time waiting in poll() counts, not time blocked in the sink, so a slow sink never loses what the
// killed processes wrote.
#pragma once

#include "job_control.hpp"

#include <chrono>
#include <cstddef>
#include <hodei/sdk.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace hodei::shell {

inline constexpr std::chrono::milliseconds kDrainWindow{250};
inline constexpr std::chrono::milliseconds kFinalDrainIdle{100};
inline constexpr std::chrono::milliseconds kFinalDrainLimit{2000};
// Without a pidfd (kernel < 5.3) the job thread cannot poll for the leader's exit and checks it at this period.
inline constexpr std::chrono::milliseconds kExitPollTick{50};

struct StepLaunch {
  uint32_t index = 0;
  std::string name;
  std::vector<std::string> argv; // the configured shell words + the step's script
  std::vector<std::string> env;  // "NAME=value"
  std::string cwd;               // absolute
};

struct StepRun {
  sdk::StepResult result;
  std::optional<std::string> error; // the step could not be started (outcome "error"); result.exit_code is -1
};

class StepRunner {
public:
  StepRunner(JobControl &control, const sdk::OutputSink &sink, std::span<std::byte> buffer)
      : control_(control), sink_(sink), buffer_(buffer) {}

  // Never throws for a step that fails to start: that is reported in StepRun::error.
  StepRun run(const StepLaunch &launch);

private:
  StepRun run_started(const StepLaunch &launch, StepRun run);

  JobControl &control_;
  const sdk::OutputSink &sink_;
  std::span<std::byte> buffer_;
};

} // namespace hodei::shell
