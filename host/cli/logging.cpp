#include "logging.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <stdexcept>

namespace hodei::cli {

namespace {
// %* in a pattern: the message as a JSON string (quoted and escaped), so a JSON log line is always valid JSON.
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
public:
  void format(const spdlog::details::log_msg &msg, const std::tm &, spdlog::memory_buf_t &dest) override {
    const std::string text(msg.payload.data(), msg.payload.size());
    const std::string quoted = nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    dest.append(quoted.data(), quoted.data() + quoted.size());
  }
  [[nodiscard]] std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

spdlog::level::level_enum parse_level(const std::string &level) {
  const spdlog::level::level_enum lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") {
    throw std::invalid_argument("--log-level: unknown level '" + level +
                                "'; expected trace, debug, info, warn, error, critical or off");
  }
  return lvl;
}

void apply_format(spdlog::logger &logger, LogFormat format) {
  if (format == LogFormat::json) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<JsonMessageFlag>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","component":"%n","msg":%*})");
    logger.set_formatter(std::move(formatter));
  } else {
    logger.set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ [%n] %v");
  }
}
} // namespace

void setup_logging(const std::string &level, LogFormat format) {
  const spdlog::level::level_enum lvl = parse_level(level);
  auto logger = std::make_shared<spdlog::logger>("worker", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  apply_format(*logger, format);
  logger->set_level(lvl);
  spdlog::set_default_logger(logger);
}

void reconfigure_logging(const std::string &level, LogFormat format) {
  const spdlog::level::level_enum lvl = parse_level(level);
  const std::shared_ptr<spdlog::logger> logger = spdlog::default_logger();
  apply_format(*logger, format); // the sinks lock while their formatter is swapped
  logger->set_level(lvl);        // atomic
}

} // namespace hodei::cli
