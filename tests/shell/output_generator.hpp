// Deterministic pseudo-random bytes (splitmix64), shared by the generator program a step runs and by the tests that
// compute what the sink must have received. The stream depends only on the seed, not on how it is chunked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace hodei::shell_test {

class ByteGenerator {
public:
  explicit ByteGenerator(uint64_t seed) noexcept : state_(seed) {}

  void fill(unsigned char *out, size_t n) noexcept {
    while (n > 0 && left_ > 0) take_byte(out, n);
    while (n >= 8) {
      const uint64_t w = next_word();
      std::memcpy(out, &w, 8);
      out += 8;
      n -= 8;
    }
    if (n > 0) {
      word_ = next_word();
      left_ = 8;
      while (n > 0) take_byte(out, n);
    }
  }

  // Also used to pick chunk sizes.
  uint64_t next_word() noexcept {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

private:
  void take_byte(unsigned char *&out, size_t &n) noexcept {
    *out++ = static_cast<unsigned char>(word_ & 0xFF);
    word_ >>= 8;
    --left_;
    --n;
  }

  uint64_t state_;
  uint64_t word_ = 0;
  int left_ = 0;
};

// The seeds the generator program uses for each stream, so a test can reproduce them.
inline uint64_t stdout_seed(uint64_t seed) { return seed; }
inline uint64_t stderr_seed(uint64_t seed) { return seed ^ 0xA5A5A5A5A5A5A5A5ull; }

} // namespace hodei::shell_test
