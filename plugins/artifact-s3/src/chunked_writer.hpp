// Hands downloaded bytes to the host in chunks of at least 64 KiB (the last one may be shorter): libcurl delivers
// whatever each socket read returned, often only a few KiB.
#pragma once

#include <hodei/sdk.hpp>
#include <string>

namespace hodei::artifact_s3 {

class ChunkedWriter {
public:
  static constexpr size_t kMinChunk = size_t{64} * 1024;
  static constexpr size_t kBufferSize = size_t{256} * 1024;

  explicit ChunkedWriter(const sdk::WriteStream &dst) : dst_(dst) { buf_.reserve(kBufferSize); }

  void write(const char *data, size_t len) {
    if (buf_.empty() && len >= kMinChunk) return dst_.write(data, len);
    buf_.append(data, len);
    if (buf_.size() >= kBufferSize) flush();
  }
  // Writes what is buffered; call once the transfer succeeded.
  void flush() {
    dst_.write(buf_.data(), buf_.size());
    buf_.clear();
  }

private:
  const sdk::WriteStream &dst_;
  std::string buf_;
};

} // namespace hodei::artifact_s3
