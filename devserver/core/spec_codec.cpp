#include "devserver/core/spec_codec.hpp"

#include "job/job_spec_parser.hpp"

#include <nlohmann/json.hpp>

namespace hodei::devserver {

job::JobSpec parse_submitted_spec(const std::string &json_text, const std::set<std::string> &known_executors) {
  job::ParseOptions options;
  options.executor_names = known_executors;
  options.source_name = "submitted job";
  return job::parse_job_spec(json_text, options);
}

job::JobSpec parse_stored_spec(const std::string &json_text) {
  job::ParseOptions options;
  options.source_name = "stored job";
  const nlohmann::json document =
      nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false, /*ignore_comments=*/true);
  if (document.is_object()) {
    for (const auto &[key, value] : document.items()) {
      if (value.is_object()) options.executor_names.insert(key);
    }
  }
  return job::parse_job_spec(json_text, options);
}

} // namespace hodei::devserver
