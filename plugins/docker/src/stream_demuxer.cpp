#include "stream_demuxer.hpp"

#include <algorithm>
#include <string>

namespace hodei::docker {

std::optional<StreamDemuxer::Piece> StreamDemuxer::next(std::span<const uint8_t> &input) {
  while (!input.empty()) {
    if (remaining_ > 0) {
      const size_t n = std::min<size_t>(remaining_, input.size());
      Piece piece{stream_, input.first(n)};
      input = input.subspan(n);
      remaining_ -= static_cast<uint32_t>(n);
      return piece;
    }
    const size_t n = std::min(kHeaderSize - header_len_, input.size());
    std::copy_n(input.begin(), n, header_.begin() + static_cast<std::ptrdiff_t>(header_len_));
    header_len_ += n;
    input = input.subspan(n);
    if (header_len_ == kHeaderSize) parse_header();
  }
  return std::nullopt;
}

void StreamDemuxer::parse_header() {
  header_len_ = 0;
  const uint8_t stream = header_[0];
  if (stream > kSystemError || header_[1] != 0 || header_[2] != 0 || header_[3] != 0) {
    throw StreamProtocolError("not a Docker multiplexed stream: frame header " + std::to_string(frames_) +
                              " starts with bytes " + std::to_string(header_[0]) + "," + std::to_string(header_[1]) +
                              "," + std::to_string(header_[2]) + "," + std::to_string(header_[3]));
  }
  stream_ = stream;
  remaining_ =
      (uint32_t{header_[4]} << 24) | (uint32_t{header_[5]} << 16) | (uint32_t{header_[6]} << 8) | uint32_t{header_[7]};
  ++frames_;
}

} // namespace hodei::docker
