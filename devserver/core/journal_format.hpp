// The line format of the state journal and snapshots (journal.hpp). One record per line:
//
//   <payload length: 8 hex digits> <CRC-32 of the payload: 8 hex digits> <payload>\n
//   payload = <key> <value>          key: no spaces ("job:job-7", "worker:w-1a2b"), value: compact JSON
//
// The length and checksum let a reader tell a record cut short by a crash (the last one of the file: it was never
// acknowledged, so it is dropped) from a damaged file (anything before the tail: refused, naming file and offset).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hodei::devserver {

// CRC-32 (IEEE 802.3, the zlib/PNG one).
[[nodiscard]] uint32_t crc32(std::string_view data) noexcept;

// The line of one record, '\n' included. `key` must not contain a space or a newline.
[[nodiscard]] std::string encode_record(std::string_view key, std::string_view value);

struct ScannedRecord {
  std::string key;
  std::string value;
};

struct ScanResult {
  std::vector<ScannedRecord> records; // in file order
  uint64_t valid_bytes = 0;           // the records' bytes: where a torn tail starts
  std::optional<std::string> torn;    // set when a torn last record was dropped: what was wrong with it
};

// Reads every record of `content` (the whole file `file`). A damaged record that ends the file is a torn tail:
// dropped (ScanResult::torn) when `tail_may_be_torn`, else refused like any damage. Damage before the tail throws
// RecordFormatError "<file>: damaged record at byte offset N: <what>".
[[nodiscard]] ScanResult scan_records(std::string_view content, const std::filesystem::path &file,
                                      bool tail_may_be_torn);

} // namespace hodei::devserver
