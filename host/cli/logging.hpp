// Worker log setup (spdlog): text for people, JSON (one object per line) for log shippers.
#pragma once

#include <string>

namespace hodei::cli {

enum class LogFormat { text, json };

// Throws std::invalid_argument for an unknown level name.
void setup_logging(const std::string &level, LogFormat format);

} // namespace hodei::cli
