// Reads the host's source stream in parts, hashing every byte for the whole-object SHA-256.
#pragma once

#include "digest.hpp"

#include <hodei/sdk.hpp>
#include <string>

namespace hodei::artifact_s3 {

class PartReader {
public:
  PartReader(const sdk::ReadStream &src, const sdk::CancelToken &cancel) : src_(src), cancel_(cancel) {}

  // Fills `buf` with the next `part_size` bytes (fewer at the end of the stream). Returns false, with `buf`
  // empty, once the stream is exhausted. Polls the cancel token between reads.
  bool next(std::string &buf, uint64_t part_size);

  [[nodiscard]] uint64_t total() const noexcept { return total_; }
  // The SHA-256 of everything read, as lowercase hex. Call once, after the stream is exhausted.
  std::string sha256_hex() { return hex_encode(sha_.finish()); }

private:
  const sdk::ReadStream &src_;
  const sdk::CancelToken &cancel_;
  Sha256 sha_;
  uint64_t total_ = 0;
  bool eof_ = false;
};

} // namespace hodei::artifact_s3
