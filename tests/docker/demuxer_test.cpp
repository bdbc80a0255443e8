// StreamDemuxer: Docker's multiplexed stream, fed whole, split at every byte boundary, and byte by byte.
#include "stream_demuxer.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

using hodei::docker::StreamDemuxer;
using hodei::docker::StreamProtocolError;

namespace {

struct Frame {
  uint8_t stream;
  std::string payload;
};

std::vector<uint8_t> encode(const std::vector<Frame> &frames) {
  std::vector<uint8_t> out;
  for (const Frame &f : frames) {
    const auto n = static_cast<uint32_t>(f.payload.size());
    out.insert(out.end(), {f.stream, 0, 0, 0, static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16),
                           static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)});
    out.insert(out.end(), f.payload.begin(), f.payload.end());
  }
  return out;
}

struct Collected {
  std::string streams[4];
  std::string order; // stream id per piece, to check pieces come in input order
};

// Feeds `bytes` in the given chunks and collects everything per stream.
void feed(StreamDemuxer &d, const std::vector<uint8_t> &bytes, const std::vector<size_t> &cuts, Collected &c) {
  size_t start = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(bytes.size());
  for (const size_t end : ends) {
    std::span<const uint8_t> input(bytes.data() + start, end - start);
    while (const auto piece = d.next(input)) {
      REQUIRE(!piece->bytes.empty());
      c.streams[piece->stream].append(reinterpret_cast<const char *>(piece->bytes.data()), piece->bytes.size());
      c.order += static_cast<char>('0' + piece->stream);
    }
    REQUIRE(input.empty());
    start = end;
  }
}

std::vector<Frame> sample_frames() {
  return {
      {1, "hello "},
      {2, "oops\n"},
      {1, ""},
      {1, "world\n"},
      {2, std::string(300, 'e')},
      {3, "daemon says no"},
      {1, std::string(1, '\0') + "\x01\x02 binary"},
  };
}

} // namespace

TEST_CASE("demuxer: whole input gives each stream its bytes in order", "[docker][demuxer]") {
  const std::vector<uint8_t> bytes = encode(sample_frames());
  StreamDemuxer d;
  Collected c;
  feed(d, bytes, {}, c);
  CHECK(c.streams[1] == "hello world\n" + std::string(1, '\0') + "\x01\x02 binary");
  CHECK(c.streams[2] == "oops\n" + std::string(300, 'e'));
  CHECK(c.streams[3] == "daemon says no");
  CHECK(c.order == "121231"); // the empty frame yields nothing
  CHECK(d.at_frame_boundary());
  CHECK(d.frames() == sample_frames().size());
}

TEST_CASE("demuxer: a split at every byte boundary changes nothing", "[docker][demuxer]") {
  const std::vector<uint8_t> bytes = encode(sample_frames());
  for (size_t cut = 0; cut <= bytes.size(); ++cut) {
    INFO("cut at " << cut);
    StreamDemuxer d;
    Collected c;
    feed(d, bytes, {cut}, c);
    CHECK(c.streams[1] == "hello world\n" + std::string(1, '\0') + "\x01\x02 binary");
    CHECK(c.streams[2] == "oops\n" + std::string(300, 'e'));
    CHECK(c.streams[3] == "daemon says no");
    CHECK(d.at_frame_boundary());
  }
}

TEST_CASE("demuxer: two splits anywhere, and one byte at a time", "[docker][demuxer]") {
  const std::vector<uint8_t> bytes = encode({{1, "ab"}, {2, "cde"}, {1, "f"}, {2, ""}, {1, "ghij"}});
  for (size_t a = 0; a <= bytes.size(); ++a) {
    for (size_t b = a; b <= bytes.size(); ++b) {
      StreamDemuxer d;
      Collected c;
      feed(d, bytes, {a, b}, c);
      REQUIRE(c.streams[1] == "abfghij");
      REQUIRE(c.streams[2] == "cde");
      REQUIRE(d.at_frame_boundary());
    }
  }
  std::vector<size_t> every;
  for (size_t i = 1; i < bytes.size(); ++i) every.push_back(i);
  StreamDemuxer d;
  Collected c;
  feed(d, bytes, every, c);
  CHECK(c.streams[1] == "abfghij");
  CHECK(c.streams[2] == "cde");
}

TEST_CASE("demuxer: a stream cut inside a header or a payload is not at a frame boundary", "[docker][demuxer]") {
  const std::vector<uint8_t> bytes = encode({{1, "payload"}});
  for (size_t len = 1; len < bytes.size(); ++len) {
    StreamDemuxer d;
    std::span<const uint8_t> input(bytes.data(), len);
    while (d.next(input)) {
    }
    CHECK_FALSE(d.at_frame_boundary());
  }
  StreamDemuxer fresh;
  CHECK(fresh.at_frame_boundary());
}

TEST_CASE("demuxer: a large frame is streamed, not buffered", "[docker][demuxer]") {
  // A 16 MiB frame announced up front, fed in 64 KiB reads: pieces point into the caller's buffer.
  constexpr uint32_t kSize = 16u << 20;
  std::vector<uint8_t> header = {2, 0, 0, 0, kSize >> 24, (kSize >> 16) & 0xFF, (kSize >> 8) & 0xFF, kSize & 0xFF};
  StreamDemuxer d;
  std::span<const uint8_t> input(header);
  CHECK_FALSE(d.next(input).has_value());
  std::vector<uint8_t> chunk(64 << 10, 'x');
  uint64_t total = 0;
  for (uint32_t i = 0; i < kSize / chunk.size(); ++i) {
    std::span<const uint8_t> in(chunk);
    const auto piece = d.next(in);
    REQUIRE(piece);
    REQUIRE(piece->stream == 2);
    REQUIRE(piece->bytes.data() == chunk.data());
    total += piece->bytes.size();
  }
  CHECK(total == kSize);
  CHECK(d.at_frame_boundary());
}

TEST_CASE("demuxer: bytes that are not a multiplexed stream are refused", "[docker][demuxer]") {
  SECTION("unknown stream id") {
    const std::vector<uint8_t> bytes = {7, 0, 0, 0, 0, 0, 0, 1, 'x'};
    StreamDemuxer d;
    std::span<const uint8_t> input(bytes);
    CHECK_THROWS_AS(d.next(input), StreamProtocolError);
  }
  SECTION("non-zero padding, e.g. TTY text") {
    const std::string text = "hello world\n";
    const std::vector<uint8_t> bytes(text.begin(), text.end());
    StreamDemuxer d;
    std::span<const uint8_t> input(bytes);
    CHECK_THROWS_WITH(d.next(input), Catch::Contains("not a Docker multiplexed stream"));
  }
}
