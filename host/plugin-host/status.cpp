#include "status.hpp"

#include <array>
#include <hodei/abi.h>

namespace hodei::plugins {

namespace {
// Indexed by value: the status set is append-only and dense (abi.h).
constexpr std::array<const char *, 13> kNames = {
    "HODEI_OK",
    "HODEI_ERR_INVALID_ARGUMENT",
    "HODEI_ERR_NOT_FOUND",
    "HODEI_ERR_UNSUPPORTED",
    "HODEI_ERR_IO",
    "HODEI_ERR_TIMEOUT",
    "HODEI_ERR_CANCELLED",
    "HODEI_ERR_CHECKSUM_MISMATCH",
    "HODEI_ERR_PERMISSION_DENIED",
    "HODEI_ERR_UNAVAILABLE",
    "HODEI_ERR_ALREADY_EXISTS",
    "HODEI_ERR_INTERNAL",
    "HODEI_ERR_RESOURCE_EXHAUSTED",
};
static_assert(HODEI_ERR_RESOURCE_EXHAUSTED + 1 == kNames.size(), "a status code was added: name it here");
} // namespace

bool is_known_status(int32_t status) noexcept { return status >= 0 && static_cast<size_t>(status) < kNames.size(); }

const char *status_name(int32_t status) noexcept {
  return is_known_status(status) ? kNames[static_cast<size_t>(status)] : "unknown status";
}

std::string describe_status(int32_t status) {
  if (is_known_status(status)) return status_name(status);
  return "unknown status " + std::to_string(status);
}

} // namespace hodei::plugins
