// Worker log setup (spdlog): text for people, JSON (one object per line) for log shippers.
#pragma once

#include <string>

namespace hodei::cli {

enum class LogFormat { text, json };

// Throws std::invalid_argument for an unknown level name.
void setup_logging(const std::string &level, LogFormat format);

// Changes the level and format of the logger setup_logging() installed, in place: safe while other threads log
// (replacing the default logger is not). Throws std::invalid_argument for an unknown level name.
void reconfigure_logging(const std::string &level, LogFormat format);

} // namespace hodei::cli
