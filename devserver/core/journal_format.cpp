#include "devserver/core/journal_format.hpp"

#include "devserver/core/record_json.hpp"

#include <charconv>
#include <zlib.h>

namespace hodei::devserver {
namespace {

constexpr std::size_t kHeaderBytes = 18; // "xxxxxxxx xxxxxxxx "

std::optional<uint32_t> parse_hex8(std::string_view text) {
  uint32_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + 8, value, 16);
  if (error != std::errc() || end != text.data() + 8) return std::nullopt;
  return value;
}

void append_hex8(std::string &out, uint32_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int shift = 28; shift >= 0; shift -= 4) out += kDigits[(value >> shift) & 0xFU];
}

// Whether the bytes from `offset` look like a write cut short (nothing but zeros, or no line end: the page cache
// never saw the rest) rather than a damaged record followed by more records.
bool looks_torn(std::string_view rest) {
  if (rest.find('\n') == std::string_view::npos) return true;
  return rest.find_first_not_of('\0') == std::string_view::npos;
}

} // namespace

uint32_t crc32(std::string_view data) noexcept {
  // zlib's CRC-32 (the IEEE polynomial of gzip and PNG). Its length argument is 32-bit: a record is far smaller.
  return static_cast<uint32_t>(
      ::crc32_z(::crc32_z(0L, Z_NULL, 0), reinterpret_cast<const Bytef *>(data.data()), data.size()));
}

std::string encode_record(std::string_view key, std::string_view value) {
  std::string line;
  const std::size_t payload_size = key.size() + 1 + value.size();
  line.reserve(kHeaderBytes + payload_size + 1);
  append_hex8(line, static_cast<uint32_t>(payload_size));
  line += ' ';
  const std::size_t crc_at = line.size();
  line += "00000000 ";
  line += key;
  line += ' ';
  line += value;
  const uint32_t crc = crc32(std::string_view(line).substr(kHeaderBytes));
  std::string digits;
  append_hex8(digits, crc);
  line.replace(crc_at, 8, digits);
  line += '\n';
  return line;
}

ScanResult scan_records(std::string_view content, const std::filesystem::path &file, bool tail_may_be_torn) {
  ScanResult result;
  std::size_t offset = 0;
  while (offset < content.size()) {
    const std::string_view rest = content.substr(offset);
    std::string problem;
    bool at_tail = false; // the damage reaches the end of the file
    std::optional<uint32_t> length;
    std::optional<uint32_t> crc;
    if (rest.size() < kHeaderBytes) {
      problem = "the file ends inside a record header";
      at_tail = true;
    } else if (!(length = parse_hex8(rest)) || rest[8] != ' ' || !(crc = parse_hex8(rest.substr(9))) ||
               rest[17] != ' ') {
      problem = "not a record header";
      at_tail = looks_torn(rest);
    } else if (rest.size() < kHeaderBytes + *length + 1) {
      problem = "the file ends inside a record of " + std::to_string(*length) + " bytes";
      at_tail = true;
    } else {
      const std::string_view payload = rest.substr(kHeaderBytes, *length);
      const bool last = rest.size() == kHeaderBytes + *length + 1;
      if (rest[kHeaderBytes + *length] != '\n') {
        problem = "the record does not end with a newline";
        at_tail = last || looks_torn(rest);
      } else if (crc32(payload) != *crc) {
        problem = "checksum mismatch";
        at_tail = last;
      } else if (const auto space = payload.find(' '); space == std::string_view::npos || space == 0) {
        problem = "the record has no key";
      } else {
        result.records.push_back({std::string(payload.substr(0, space)), std::string(payload.substr(space + 1))});
        offset += kHeaderBytes + *length + 1;
        result.valid_bytes = offset;
        continue;
      }
    }
    if (at_tail && tail_may_be_torn) {
      result.torn = problem + " (" + std::to_string(content.size() - offset) + " bytes at byte offset " +
                    std::to_string(offset) + ")";
      return result;
    }
    throw RecordFormatError(file.string() + ": damaged record at byte offset " + std::to_string(offset) + ": " +
                            problem);
  }
  return result;
}

} // namespace hodei::devserver
