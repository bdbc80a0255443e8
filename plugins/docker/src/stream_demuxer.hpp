// StreamDemuxer: splits Docker's multiplexed output stream (attach / exec without a TTY) back into its streams.
//
// The daemon sends a sequence of frames, each an 8-byte header followed by `size` payload bytes:
//     [stream: 0 stdin | 1 stdout | 2 stderr | 3 daemon error] [0] [0] [0] [size: uint32, big-endian]
// Frames of different streams may come in any order relative to each other; within one stream they are in order.
//
// The demuxer is incremental and copies nothing: give it whatever bytes the socket returned, however they are split,
// and it hands back payload pieces that point into those bytes. The only state kept between calls is a partial
// header (at most 8 bytes) and the payload bytes still owed by the current frame, so memory stays constant whatever
// the frame sizes. No I/O, no allocation, no dependency: a fuzz target can drive it directly.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>

namespace hodei::docker {

// The bytes are not a multiplexed stream (for example a TTY stream, or a connection that lost sync).
class StreamProtocolError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

class StreamDemuxer {
public:
  static constexpr size_t kHeaderSize = 8;

  // Stream ids of the frame header.
  static constexpr uint8_t kStdin = 0;
  static constexpr uint8_t kStdout = 1;
  static constexpr uint8_t kStderr = 2;
  static constexpr uint8_t kSystemError = 3; // a message from the daemon itself (e.g. the exec could not start)

  struct Piece {
    uint8_t stream = kStdout;
    std::span<const uint8_t> bytes; // points into the input passed to next(); never empty
  };

  // Consumes bytes from the front of `input` and returns the next payload piece found there, advancing `input` past
  // everything consumed (headers included). Returns nullopt once `input` is used up; then call again with new bytes.
  // A frame's payload may come back as several pieces when it spans several inputs. Empty frames yield nothing.
  // Throws StreamProtocolError on a header that cannot be Docker's (unknown stream id, non-zero padding); the demuxer
  // is then unusable.
  std::optional<Piece> next(std::span<const uint8_t> &input);

  // True when every frame seen so far is complete, i.e. the stream may legitimately end here.
  [[nodiscard]] bool at_frame_boundary() const noexcept { return header_len_ == 0 && remaining_ == 0; }

  // Number of complete headers parsed so far.
  [[nodiscard]] uint64_t frames() const noexcept { return frames_; }

private:
  void parse_header();

  std::array<uint8_t, kHeaderSize> header_{};
  size_t header_len_ = 0;  // header bytes collected for the next frame
  uint32_t remaining_ = 0; // payload bytes of the current frame not yet returned
  uint8_t stream_ = kStdout;
  uint64_t frames_ = 0;
};

} // namespace hodei::docker
