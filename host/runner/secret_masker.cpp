#include "secret_masker.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <set>

namespace hodei::runner {

std::string base64_encode(std::string_view bytes) {
  static constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const auto n = (static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << 16) |
                   (static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 1])) << 8) |
                   static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 2]));
    for (int shift = 18; shift >= 0; shift -= 6) out += alphabet[(n >> shift) & 0x3F];
  }
  if (const size_t rest = bytes.size() - i; rest > 0) {
    uint32_t n = static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << 16;
    if (rest == 2) n |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 1])) << 8;
    out += alphabet[(n >> 18) & 0x3F];
    out += alphabet[(n >> 12) & 0x3F];
    out += rest == 2 ? alphabet[(n >> 6) & 0x3F] : '=';
    out += '=';
  }
  return out;
}

std::string url_encode(std::string_view bytes) {
  static constexpr std::string_view hex = "0123456789ABCDEF";
  std::string out;
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 0xF];
    }
  }
  return out;
}

SecretMasker::SecretMasker(const std::vector<std::string> &secret_values) {
  std::set<std::string> unique;
  for (const std::string &s : secret_values) {
    if (s.empty()) continue;
    unique.insert(s);
    unique.insert(base64_encode(s));
    unique.insert(url_encode(s));
  }
  patterns_.assign(unique.begin(), unique.end());
  std::stable_sort(patterns_.begin(), patterns_.end(),
                   [](const std::string &a, const std::string &b) { return a.size() > b.size(); });
}

SecretMasker::Match SecretMasker::find_next(std::string_view text, size_t from) const {
  Match best{std::string_view::npos, 0};
  for (const std::string &p : patterns_) { // longest first: at equal positions the longest wins
    const size_t pos = text.find(p, from);
    if (pos < best.pos) best = {pos, p.size()};
  }
  return best;
}

// The longest suffix of `text` that is a proper prefix of some pattern: it might become a secret with the next chunk.
size_t SecretMasker::held_prefix_length(std::string_view text) const {
  size_t held = 0;
  for (const std::string &p : patterns_) {
    const size_t max_len = std::min(p.size() - 1, text.size());
    for (size_t len = max_len; len > held; --len) {
      if (text.substr(text.size() - len) == std::string_view(p).substr(0, len)) {
        held = len;
        break;
      }
    }
  }
  return held;
}

// Masks matches that start before `limit`; copies text up to where the scan stopped, which it reports in `consumed`.
std::string SecretMasker::mask_range(std::string_view text, size_t limit, size_t &consumed) const {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < limit) {
    const Match m = find_next(text, pos);
    if (m.pos >= limit) break;
    out.append(text.substr(pos, m.pos - pos));
    out.append(mask);
    pos = m.pos + m.len;
  }
  if (pos < limit) {
    out.append(text.substr(pos, limit - pos));
    pos = limit;
  }
  consumed = pos;
  return out;
}

std::string SecretMasker::process(std::string_view chunk) {
  if (patterns_.empty()) return std::string(chunk);
  pending_.append(chunk);
  // A match starting before `limit` lies wholly inside pending_: otherwise its start would be inside the held suffix.
  const size_t limit = pending_.size() - held_prefix_length(pending_);
  size_t consumed = 0;
  std::string out = mask_range(pending_, limit, consumed);
  pending_.erase(0, consumed);
  return out;
}

std::string SecretMasker::flush() {
  size_t consumed = 0;
  std::string out = mask_range(pending_, pending_.size(), consumed);
  pending_.clear();
  return out;
}

} // namespace hodei::runner
