// Small helpers shared by the fault tests: expected job output, digests, counting log lines.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iomanip>
#include <openssl/evp.h>
#include <sstream>
#include <string>
#include <system_error>

namespace hodei::test {

// What `seq from to` prints.
inline std::string seq_text(uint64_t from, uint64_t to) {
  std::string out;
  out.reserve(static_cast<size_t>(to - from + 1) * 8);
  for (uint64_t i = from; i <= to; ++i) {
    out += std::to_string(i);
    out += '\n';
  }
  return out;
}

inline std::string sha256_hex(const std::string &data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  std::ostringstream hex;
  for (unsigned int i = 0; i < length; ++i) hex << std::hex << std::setw(2) << std::setfill('0') << int{digest[i]};
  return hex.str();
}

inline uint64_t size_of(const std::filesystem::path &p) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(p, ec);
  return ec ? 0 : size;
}

// The devserver counters (`hodei-devserver stats`) that only a protocol error or a lost/duplicated byte moves.
// Duplicate resends are not among them: resending unacknowledged bytes after a reconnect is the protocol working.
inline const char *const kProtocolErrorCounters[] = {
    "log_gaps",           "log_overlap_mismatches", "stale_epochs",        "not_leased",
    "malformed_messages", "unauthenticated",        "invalid_transitions", "jobs_lost"};

inline size_t count_of(const std::string &haystack, const std::string &needle) {
  size_t n = 0;
  for (size_t p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1)) ++n;
  return n;
}

} // namespace hodei::test
