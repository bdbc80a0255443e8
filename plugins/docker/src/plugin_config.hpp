// The plugin's configuration object (from the worker config), parsed and checked once at init. It is the operator's
// side of the security policy: what jobs may ask for (privileged, extra mounts, networks) is decided here.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hodei::docker {

struct PluginConfig {
  // The daemon's unix socket: config "socket", else DOCKER_HOST=unix://..., else /var/run/docker.sock.
  std::string socket = "/var/run/docker.sock";
  // Jobs may set docker.privileged = true.
  bool allow_privileged = false;
  // Host folders jobs may bind-mount (docker.mounts[].source), as absolute prefixes; empty = no extra mounts.
  std::vector<std::string> allowed_mount_sources;
  // Networks jobs may name in docker.network. "host" shares the worker's network stack: list it only on purpose.
  std::vector<std::string> allowed_networks{"none", "bridge"};
  // The network of a job that names none.
  std::string default_network = "none";
  // How often leftover containers of this worker are looked for (besides at init); 0 = only at init.
  std::chrono::seconds cleanup_interval{300};
  // Bound on every Engine API call but pulls; and on pulls.
  std::chrono::seconds api_timeout{120};
  std::chrono::seconds pull_timeout{1800};

  // Parses the config object; every field is optional, an unknown one is an error. `docker_host` is the value of
  // the DOCKER_HOST environment variable (nullptr when unset), used when "socket" is absent. Throws
  // hodei::sdk::Error(INVALID_ARGUMENT) naming the field ("config.socket: ...").
  static PluginConfig parse(std::string_view json, const char *docker_host);
};

// Whether `path` (absolute, normalised) is `prefix` or lies below it, on path-component boundaries.
bool path_is_under(std::string_view path, std::string_view prefix);

// Lexical normalisation of an absolute path: collapses "//" and "/./", refuses "..". nullopt when not absolute or
// when it has a ".." component.
std::optional<std::string> normalize_absolute(std::string_view path);

// The JSON Schema of the config object, published in the plugin descriptor.
inline constexpr char kPluginConfigSchema[] = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "dev.hodei.executor.docker configuration",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "socket": {"type": "string", "description": "Absolute path of the Docker daemon's unix socket. Default: DOCKER_HOST=unix://... when set, else /var/run/docker.sock."},
    "allow_privileged": {"type": "boolean", "default": false, "description": "Let jobs set docker.privileged."},
    "allowed_mount_sources": {"type": "array", "items": {"type": "string"}, "default": [], "description": "Host folders (absolute prefixes) jobs may bind-mount with docker.mounts."},
    "allowed_networks": {"type": "array", "items": {"type": "string"}, "default": ["none", "bridge"], "description": "Networks jobs may choose with docker.network."},
    "default_network": {"type": "string", "default": "none", "description": "Network of a job that sets no docker.network."},
    "cleanup_interval_s": {"type": "integer", "minimum": 0, "default": 300, "description": "Seconds between scans for leftover containers of this worker; 0 = only at start."},
    "api_timeout_s": {"type": "integer", "minimum": 1, "default": 120, "description": "Bound on each Engine API call except pulls."},
    "pull_timeout_s": {"type": "integer", "minimum": 1, "default": 1800, "description": "Bound on one image pull."}
  }
})";

} // namespace hodei::docker
