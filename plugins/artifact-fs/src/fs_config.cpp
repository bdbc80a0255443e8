#include "fs_config.hpp"

#include <nlohmann/json.hpp>

namespace hodei::artifact_fs {

const char kFsConfigSchema[] = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "root": {
      "description": "Absolute folder that holds every object; file:// URIs outside it are refused. Default: the worker's data_dir + \"/artifacts\".",
      "type": "string"
    }
  }
})";

FsConfig FsConfig::parse(std::string_view json, const sdk::Host &host) {
  const nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) throw sdk::invalid_argument("config: not valid JSON");
  if (!doc.is_object()) throw sdk::invalid_argument("config: expected a JSON object");
  FsConfig config;
  for (const auto &[key, value] : doc.items()) {
    if (key != "root") throw sdk::invalid_argument("config." + key + ": unknown field (known: root)");
    if (!value.is_string()) throw sdk::invalid_argument("config.root: expected a string");
    config.root = value.get<std::string>();
    if (config.root.empty() || config.root.front() != '/')
      throw sdk::invalid_argument("config.root: expected an absolute path, got \"" + config.root + "\"");
    if (config.root.find('\0') != std::string::npos) throw sdk::invalid_argument("config.root: contains a NUL byte");
  }
  if (config.root.empty()) {
    const std::optional<std::string> data_dir = host.config("worker.data_dir");
    if (!data_dir || data_dir->empty() || data_dir->front() != '/')
      throw sdk::invalid_argument("config.root: not set, and the host has no absolute worker.data_dir to default "
                                  "to; set config.root to an absolute folder");
    config.root = *data_dir + "/artifacts";
  }
  return config;
}

} // namespace hodei::artifact_fs
