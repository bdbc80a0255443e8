// Fuzz target: the Docker multiplexed-stream demultiplexer (plugins/docker/src/stream_demuxer.*), which reads what
// the daemon sends for every exec. Input: one byte choosing how the rest is cut into reads, then the stream bytes.
// Invariants, against a straightforward reference parse of the whole buffer:
//   - the bytes returned per stream are exactly the frames' payload bytes, in order, whatever the cut;
//   - a bad header throws StreamProtocolError at the same frame as the reference, and nothing else is thrown;
//   - frames() and at_frame_boundary() agree with the reference; every piece is non-empty and lies in the input.
#include "fuzz_check.hpp"
#include "stream_demuxer.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace {

using hodei::docker::StreamDemuxer;
using hodei::docker::StreamProtocolError;

struct Outcome {
  std::array<std::string, 4> streams; // payload bytes per stream id
  uint64_t frames = 0;
  bool at_boundary = true;
  bool protocol_error = false;
};

// The reference: frames read one after the other from the whole buffer.
Outcome reference(std::span<const uint8_t> in) {
  Outcome out;
  size_t pos = 0;
  while (pos < in.size()) {
    if (in.size() - pos < StreamDemuxer::kHeaderSize) {
      out.at_boundary = false;
      return out;
    }
    const uint8_t *h = in.data() + pos;
    if (h[0] > 3 || h[1] != 0 || h[2] != 0 || h[3] != 0) {
      out.protocol_error = true;
      return out;
    }
    const size_t size = (size_t{h[4]} << 24) | (size_t{h[5]} << 16) | (size_t{h[6]} << 8) | size_t{h[7]};
    ++out.frames;
    pos += StreamDemuxer::kHeaderSize;
    const size_t n = std::min(size, in.size() - pos);
    out.streams[h[0]].append(reinterpret_cast<const char *>(in.data() + pos), n);
    pos += n;
    if (n < size) out.at_boundary = false;
  }
  return out;
}

// The demuxer fed in reads of the lengths `cut` picks: 0 = everything at once, otherwise cycling 1..cut bytes.
Outcome demux(std::span<const uint8_t> in, uint8_t cut) {
  Outcome out;
  StreamDemuxer demuxer;
  size_t pos = 0;
  size_t next_len = 1;
  try {
    while (pos < in.size()) {
      const size_t len = cut == 0 ? in.size() : std::min(next_len, in.size() - pos);
      if (cut != 0) next_len = next_len % cut + 1;
      const std::span<const uint8_t> read = in.subspan(pos, len);
      std::span<const uint8_t> rest = read;
      while (auto piece = demuxer.next(rest)) {
        FUZZ_CHECK(!piece->bytes.empty(), "pieces are never empty");
        FUZZ_CHECK(piece->bytes.data() >= read.data() && piece->bytes.data() + piece->bytes.size() <= rest.data(),
                   "a piece lies in the consumed part of the input");
        FUZZ_CHECK(piece->stream <= 3, "stream id 0..3");
        out.streams[piece->stream].append(reinterpret_cast<const char *>(piece->bytes.data()), piece->bytes.size());
      }
      FUZZ_CHECK(rest.empty(), "next() returns nullopt only once the input is used up");
      pos += len;
    }
  } catch (const StreamProtocolError &) {
    out.protocol_error = true;
  }
  out.frames = demuxer.frames();
  out.at_boundary = demuxer.at_frame_boundary();
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  const uint8_t cut = data[0] % 17;
  const std::span<const uint8_t> stream(data + 1, size - 1);
  const Outcome expected = reference(stream);
  const Outcome got = demux(stream, cut);
  FUZZ_CHECK(got.protocol_error == expected.protocol_error, "a bad header is refused, a good one is not");
  // After a protocol error the payload bytes returned before it must still match the reference's.
  FUZZ_CHECK(got.streams == expected.streams, "bytes out per stream == payload bytes in");
  FUZZ_CHECK(got.frames == expected.frames, "frames() counts complete headers");
  if (!expected.protocol_error) FUZZ_CHECK(got.at_boundary == expected.at_boundary, "at_frame_boundary()");
  return 0;
}
