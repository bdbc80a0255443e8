// Identifiers and clocks of the devserver.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace hodei::devserver {

// `bytes` random bytes from std::random_device, as lowercase hex (2 * bytes characters).
std::string random_hex(std::size_t bytes);

// Wall clock, Unix epoch milliseconds.
int64_t now_unix_ms();

} // namespace hodei::devserver
