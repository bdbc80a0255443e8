#include "pipe.hpp"

#include <cerrno>
#include <fcntl.h>
#include <system_error>

namespace hodei::shell {

namespace {

[[noreturn]] void throw_errno(const char *what) { throw std::system_error(errno, std::generic_category(), what); }

UniqueFd at_least_3(UniqueFd fd) {
  if (fd.get() >= 3) return fd;
  UniqueFd moved(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3));
  if (!moved.valid()) throw_errno("fcntl(F_DUPFD_CLOEXEC)");
  return moved;
}

} // namespace

Pipe Pipe::create() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe2");
  Pipe p{UniqueFd(fds[0]), UniqueFd(fds[1])};
  p.read = at_least_3(std::move(p.read));
  p.write = at_least_3(std::move(p.write));
  if (::fcntl(p.read.get(), F_SETFL, O_NONBLOCK) != 0) throw_errno("fcntl(O_NONBLOCK)");
  (void)::fcntl(p.read.get(), F_SETPIPE_SZ, kPipeBufferBytes); // best effort, see kPipeBufferBytes
  return p;
}

} // namespace hodei::shell
