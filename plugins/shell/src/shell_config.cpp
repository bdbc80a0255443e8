#include "shell_config.hpp"

#include <hodei/sdk.hpp>
#include <nlohmann/json.hpp>

namespace hodei::shell {

namespace {

std::vector<std::string> parse_shell(const nlohmann::json &value) {
  if (!value.is_array() || value.empty())
    throw sdk::invalid_argument("config.shell: expected a non-empty array of strings, e.g. [\"/bin/sh\", \"-c\"]");
  std::vector<std::string> words;
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string field = "config.shell[" + std::to_string(i) + "]";
    if (!value[i].is_string()) throw sdk::invalid_argument(field + ": expected a string");
    words.push_back(value[i].get<std::string>());
    if (words.back().find('\0') != std::string::npos) throw sdk::invalid_argument(field + ": contains a NUL byte");
  }
  if (words.front().empty() || words.front().front() != '/')
    throw sdk::invalid_argument("config.shell[0]: expected an absolute path to the shell, got \"" + words.front() +
                                "\"");
  return words;
}

} // namespace

ShellConfig ShellConfig::parse(std::string_view json) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) throw sdk::invalid_argument("config: not valid JSON");
  if (!doc.is_object()) throw sdk::invalid_argument("config: expected a JSON object");
  ShellConfig config;
  for (const auto &[key, value] : doc.items()) {
    if (key == "shell") {
      config.shell = parse_shell(value);
    } else {
      throw sdk::invalid_argument("config." + key + ": unknown field (known: shell)");
    }
  }
  return config;
}

} // namespace hodei::shell
