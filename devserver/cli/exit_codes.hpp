// Exit codes of the hodei-devserver CLI (docs/protocol.md, "The devserver").
#pragma once

namespace hodei::devserver::cli {

inline constexpr int kExitOk = 0;             // command done; for `submit --follow`: the job succeeded
inline constexpr int kExitJobFailed = 1;      // `submit --follow`: the job failed (a step failed)
inline constexpr int kExitUsage = 2;          // bad command line, unreadable or invalid job spec
inline constexpr int kExitJobLostOrError = 3; // `submit --follow`: the job was lost or ended in error
inline constexpr int kExitServer = 4;         // the server is unreachable or refused the call
inline constexpr int kExitJobTimedOut = 124;  // `submit --follow`: the job timed out (as timeout(1))
inline constexpr int kExitJobCancelled = 130; // `submit --follow`: the job was cancelled (as after Ctrl-C)

} // namespace hodei::devserver::cli
