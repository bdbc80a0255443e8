#include "json_path.hpp"

#include <array>

namespace hodei::job {
namespace {

constexpr std::size_t kMaxQuotedBytes = 64;

bool is_word_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_word_char(char c) { return is_word_start(c) || (c >= '0' && c <= '9') || c == '-'; }

bool is_plain_word(std::string_view key) {
  if (key.empty() || !is_word_start(key.front())) return false;
  for (const char c : key) {
    if (!is_word_char(c)) return false;
  }
  return true;
}

// Cuts `text` to at most `max_bytes` without splitting a UTF-8 sequence; `cut` tells whether anything was dropped.
std::string_view shorten(std::string_view text, std::size_t max_bytes, bool &cut) {
  cut = text.size() > max_bytes;
  if (!cut) return text;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) --end;
  return text.substr(0, end);
}

void append_escaped(std::string &out, char c, char quote) {
  static constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  const auto byte = static_cast<unsigned char>(c);
  if (c == quote || c == '\\') {
    out += '\\';
    out += c;
  } else if (c == '\n') {
    out += "\\n";
  } else if (c == '\t') {
    out += "\\t";
  } else if (byte < 0x20U || byte == 0x7FU) {
    out += "\\x";
    out += kHex[byte >> 4U];
    out += kHex[byte & 0x0FU];
  } else {
    out += c;
  }
}

std::string quote_with(std::string_view text, char quote) {
  bool cut = false;
  const std::string_view kept = shorten(text, kMaxQuotedBytes, cut);
  std::string out(1, quote);
  for (const char c : kept) append_escaped(out, c, quote);
  if (cut) out += "...";
  out += quote;
  return out;
}

} // namespace

std::string json_path_member(std::string_view parent, std::string_view key) {
  std::string path(parent);
  if (is_plain_word(key) && key.size() <= kMaxQuotedBytes) {
    path += '.';
    path += key;
  } else {
    path += '[';
    path += quote_with(key, '"');
    path += ']';
  }
  return path;
}

std::string json_path_index(std::string_view parent, std::size_t index) {
  return std::string(parent) + '[' + std::to_string(index) + ']';
}

std::string quote_for_message(std::string_view text) { return quote_with(text, '\''); }

} // namespace hodei::job
