// hodei-shell-test-gen BYTES SEED out|err|both
// Writes BYTES deterministic bytes (see output_generator.hpp) to stdout, stderr, or each of both (interleaved in
// chunks of varying size, so the executor sees both pipes busy at once). Steps run it to produce checkable output.
#include "output_generator.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using hodei::shell_test::ByteGenerator;

bool write_all(int fd, const unsigned char *p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

struct Output {
  int fd;
  ByteGenerator bytes;
  unsigned long long left;
};

} // namespace

int main(int argc, char **argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s BYTES SEED out|err|both\n", argv[0]);
    return 2;
  }
  const unsigned long long total = std::strtoull(argv[1], nullptr, 10);
  const unsigned long long seed = std::strtoull(argv[2], nullptr, 10);
  const std::string which = argv[3];
  std::vector<Output> outputs;
  if (which == "out" || which == "both")
    outputs.push_back({1, ByteGenerator(hodei::shell_test::stdout_seed(seed)), total});
  if (which == "err" || which == "both")
    outputs.push_back({2, ByteGenerator(hodei::shell_test::stderr_seed(seed)), total});

  ByteGenerator chunk_sizes(seed + 1);
  std::vector<unsigned char> buf(size_t{256} * 1024);
  for (bool more = true; more;) {
    more = false;
    for (Output &o : outputs) {
      if (o.left == 0) continue;
      const size_t n = std::min<unsigned long long>(o.left, 1 + chunk_sizes.next_word() % buf.size());
      o.bytes.fill(buf.data(), n);
      if (!write_all(o.fd, buf.data(), n)) return 1;
      o.left -= n;
      more = more || o.left > 0;
    }
  }
  return 0;
}
