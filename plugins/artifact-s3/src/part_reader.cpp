#include "part_reader.hpp"

#include <algorithm>

namespace hodei::artifact_s3 {
namespace {
constexpr uint64_t kInitialBuffer = uint64_t{256} * 1024;
} // namespace

bool PartReader::next(std::string &buf, uint64_t part_size) {
  // Grow the buffer as bytes arrive (a recycled one keeps its capacity), so that a small object never costs a
  // whole part of memory.
  const uint64_t start = std::max<uint64_t>(buf.capacity(), kInitialBuffer);
  buf.resize(static_cast<size_t>(std::min(part_size, start)));
  size_t filled = 0;
  while (!eof_ && filled < part_size) {
    if (filled == buf.size()) buf.resize(static_cast<size_t>(std::min<uint64_t>(part_size, 2 * buf.size())));
    cancel_.throw_if_cancelled();
    const size_t n = src_.read(buf.data() + filled, buf.size() - filled);
    if (n == 0) eof_ = true;
    filled += n;
  }
  buf.resize(filled);
  sha_.update(buf.data(), buf.size());
  total_ += filled;
  return filled > 0;
}

} // namespace hodei::artifact_s3
