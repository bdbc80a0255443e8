// Streaming secret masking. Replaces every occurrence of a secret value (and of its base64 and URL-encoded forms)
// with "***", also when an occurrence is split across two chunks: bytes that could be the beginning of a secret
// are held back until the next chunk (or flush) decides. Only such a possible prefix is held, so ordinary output
// is never delayed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hodei::runner {

class SecretMasker {
public:
  static constexpr std::string_view mask = "***";

  explicit SecretMasker(const std::vector<std::string> &secret_values);

  // Masks `chunk` (appended to what was held back) and returns what can be emitted now.
  std::string process(std::string_view chunk);
  // Returns everything still held back, masked. Call at the end of the stream.
  std::string flush();

  [[nodiscard]] bool empty() const noexcept { return patterns_.empty(); }

private:
  struct Match {
    size_t pos;
    size_t len;
  };
  [[nodiscard]] Match find_next(std::string_view text, size_t from) const;
  [[nodiscard]] size_t held_prefix_length(std::string_view text) const;
  std::string mask_range(std::string_view text, size_t limit, size_t &consumed) const;

  std::vector<std::string> patterns_; // longest first, so the longest match at a position wins
  std::string pending_;
};

// The encoded forms of a secret that are masked too.
std::string base64_encode(std::string_view bytes);
std::string url_encode(std::string_view bytes);

} // namespace hodei::runner
