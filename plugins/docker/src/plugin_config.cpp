#include "plugin_config.hpp"

#include <hodei/sdk.hpp>
#include <nlohmann/json.hpp>

namespace hodei::docker {

namespace {

using nlohmann::json;

constexpr int64_t kMaxSeconds = int64_t{365} * 24 * 3600;

std::string field(const std::string &key) { return "config." + key; }

bool boolean(const std::string &key, const json &value) {
  if (!value.is_boolean()) throw sdk::invalid_argument(field(key) + ": expected true or false");
  return value.get<bool>();
}

std::chrono::seconds seconds(const std::string &key, const json &value, int64_t min) {
  if (!value.is_number_integer() || value.get<int64_t>() < min || value.get<int64_t>() > kMaxSeconds)
    throw sdk::invalid_argument(field(key) + ": expected a whole number of seconds >= " + std::to_string(min));
  return std::chrono::seconds(value.get<int64_t>());
}

std::string network_name(const std::string &where, const json &value) {
  if (!value.is_string() || value.get<std::string>().empty())
    throw sdk::invalid_argument(where + ": expected a network name such as \"none\" or \"bridge\"");
  return value.get<std::string>();
}

std::vector<std::string> string_list(const std::string &key, const json &value) {
  if (!value.is_array()) throw sdk::invalid_argument(field(key) + ": expected an array of strings");
  std::vector<std::string> out;
  for (size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string())
      throw sdk::invalid_argument(field(key) + "[" + std::to_string(i) + "]: expected a string");
    out.push_back(value[i].get<std::string>());
  }
  return out;
}

std::string socket_from_docker_host(const char *docker_host) {
  const std::string_view value(docker_host);
  constexpr std::string_view kScheme = "unix://";
  if (value.substr(0, kScheme.size()) != kScheme || value.size() == kScheme.size())
    throw sdk::invalid_argument("DOCKER_HOST=" + std::string(value) +
                                ": only unix:// sockets are supported (set config.socket to override)");
  return std::string(value.substr(kScheme.size()));
}

} // namespace

std::optional<std::string> normalize_absolute(std::string_view path) {
  if (path.empty() || path.front() != '/') return std::nullopt;
  std::string out;
  size_t pos = 1;
  while (pos <= path.size()) {
    const size_t slash = std::min(path.find('/', pos), path.size());
    const std::string_view part = path.substr(pos, slash - pos);
    pos = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") return std::nullopt;
    out += '/';
    out += part;
  }
  return out.empty() ? std::string("/") : out;
}

bool path_is_under(std::string_view path, std::string_view prefix) {
  if (prefix == "/") return true;
  if (path.substr(0, prefix.size()) != prefix) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '/';
}

PluginConfig PluginConfig::parse(std::string_view text, const char *docker_host) {
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) throw sdk::invalid_argument("config: not valid JSON");
  if (!doc.is_object()) throw sdk::invalid_argument("config: expected a JSON object");
  PluginConfig config;
  bool socket_set = false;
  for (const auto &[key, value] : doc.items()) {
    if (key == "socket") {
      if (!value.is_string() || value.get<std::string>().empty() || value.get<std::string>().front() != '/')
        throw sdk::invalid_argument(field(key) + ": expected the absolute path of the daemon's unix socket");
      config.socket = value.get<std::string>();
      socket_set = true;
    } else if (key == "allow_privileged") {
      config.allow_privileged = boolean(key, value);
    } else if (key == "allowed_mount_sources") {
      config.allowed_mount_sources.clear();
      const std::vector<std::string> list = string_list(key, value);
      for (size_t i = 0; i < list.size(); ++i) {
        const std::optional<std::string> norm = normalize_absolute(list[i]);
        if (!norm)
          throw sdk::invalid_argument(field(key) + "[" + std::to_string(i) +
                                      "]: expected an absolute path without \"..\", got \"" + list[i] + "\"");
        config.allowed_mount_sources.push_back(*norm);
      }
    } else if (key == "allowed_networks") {
      if (!value.is_array()) throw sdk::invalid_argument(field(key) + ": expected an array of network names");
      config.allowed_networks.clear();
      for (size_t i = 0; i < value.size(); ++i)
        config.allowed_networks.push_back(network_name(field(key) + "[" + std::to_string(i) + "]", value[i]));
    } else if (key == "default_network") {
      config.default_network = network_name(field(key), value);
    } else if (key == "cleanup_interval_s") {
      config.cleanup_interval = seconds(key, value, 0);
    } else if (key == "api_timeout_s") {
      config.api_timeout = seconds(key, value, 1);
    } else if (key == "pull_timeout_s") {
      config.pull_timeout = seconds(key, value, 1);
    } else {
      throw sdk::invalid_argument(field(key) +
                                  ": unknown field (known: socket, allow_privileged, allowed_mount_sources, "
                                  "allowed_networks, default_network, cleanup_interval_s, api_timeout_s, "
                                  "pull_timeout_s)");
    }
  }
  if (!socket_set && docker_host != nullptr && docker_host[0] != '\0')
    config.socket = socket_from_docker_host(docker_host);
  return config;
}

} // namespace hodei::docker
