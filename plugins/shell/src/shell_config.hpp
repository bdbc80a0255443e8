// The plugin's configuration object (from the worker config), parsed and checked once at init.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hodei::shell {

struct ShellConfig {
  // The command every step runs as: these words, then the step's `run` text as one last argument.
  // shell[0] must be an absolute path: the worker's PATH is not the step's PATH, so a bare name would be ambiguous.
  std::vector<std::string> shell{"/bin/sh", "-c"};

  // Parses `{"shell": ["/bin/bash", "-eo", "pipefail", "-c"]}`. Every field is optional; an unknown field is an
  // error (it is most likely a typo). Throws hodei::sdk::Error(INVALID_ARGUMENT) naming the bad field.
  static ShellConfig parse(std::string_view json);
};

// The JSON Schema of the config object, published in the plugin descriptor.
inline constexpr const char *kShellConfigSchema = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "shell": {
      "description": "Command a step runs as; the step's script is appended as the last argument.",
      "type": "array", "minItems": 1, "items": {"type": "string"},
      "default": ["/bin/sh", "-c"]
    }
  }
})";

} // namespace hodei::shell
