#include "part_reader.hpp"

namespace hodei::artifact_s3 {

bool PartReader::next(std::string &buf, uint64_t part_size) {
  buf.resize(part_size);
  size_t filled = 0;
  while (!eof_ && filled < buf.size()) {
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
