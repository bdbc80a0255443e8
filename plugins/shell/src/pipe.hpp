// An output pipe for a step: the child gets the write end as its stdout or stderr, the job thread reads the other.
#pragma once

#include "unique_fd.hpp"

namespace hodei::shell {

struct Pipe {
  UniqueFd read;  // O_CLOEXEC | O_NONBLOCK: the job thread polls it and never blocks in read()
  UniqueFd write; // O_CLOEXEC: only the posix_spawn dup2 onto fd 1/2 reaches the child

  // Throws std::system_error. Both ends are >= 3, so that the child's dup2 onto 0..2 can never clobber one of them
  // (possible if the worker was started with a standard fd closed).
  static Pipe create();
};

// The kernel pipe buffer we ask for: a big buffer lets a fast writer run ahead of the job thread between polls, and
// lets one read() take a lot at once. Failure (a lowered /proc/sys/fs/pipe-max-size) only costs speed.
inline constexpr int kPipeBufferBytes = 1 << 20;

} // namespace hodei::shell
