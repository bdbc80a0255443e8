// Readable names for hodei_status values (abi.h), for messages and logs.
#pragma once

#include <cstdint>
#include <string>

namespace hodei::plugins {

// "HODEI_OK", "HODEI_ERR_NOT_FOUND"...; "unknown status" for a value this host does not know.
[[nodiscard]] const char *status_name(int32_t status) noexcept;

// status_name() for known values, "unknown status 42" otherwise (abi.h: the reader treats it as HODEI_ERR_INTERNAL).
[[nodiscard]] std::string describe_status(int32_t status);

// True for the values abi.h defines in this host's ABI minor.
[[nodiscard]] bool is_known_status(int32_t status) noexcept;

} // namespace hodei::plugins
