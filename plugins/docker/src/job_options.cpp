#include "job_options.hpp"

#include "text.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <hodei/sdk.hpp>
#include <limits>
#include <nlohmann/json.hpp>

namespace hodei::docker {

namespace {

using nlohmann::json;

constexpr int64_t kMinMemory = int64_t{6} << 20; // the daemon refuses less ("Minimum memory limit allowed is 6MB")
constexpr double kMaxCpus = 1024;

std::string field(std::string_view key) { return "docker." + std::string(key); }

std::string joined(const std::vector<std::string> &words) {
  std::string out;
  for (const auto &w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

bool all_chars(std::string_view s, std::string_view extra) {
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || extra.find(c) != std::string_view::npos;
  });
}

bool boolean(std::string_view key, const json &value) {
  if (!value.is_boolean()) throw sdk::invalid_argument(field(key) + ": expected true or false");
  return value.get<bool>();
}

std::string parse_image(const json &value) {
  if (!value.is_string() || value.get<std::string>().empty())
    throw sdk::invalid_argument(field("image") + ": expected an image reference such as \"debian:bookworm\"");
  std::string image = value.get<std::string>();
  if (image.size() > 512 || image.front() == '-' || !all_chars(image, "._-/:@"))
    throw sdk::invalid_argument(field("image") + ": \"" + image + "\" is not a valid image reference");
  return image;
}

PullPolicy parse_pull_policy(const json &value) {
  if (value.is_string()) {
    for (const PullPolicy p : {PullPolicy::never, PullPolicy::if_not_present, PullPolicy::always}) {
      if (value.get<std::string>() == to_string(p)) return p;
    }
  }
  throw sdk::invalid_argument(field("pull") + R"(: expected "never", "if-not-present" or "always")");
}

std::vector<std::string> parse_words(std::string_view key, const json &value, bool may_be_empty) {
  const std::string example =
      key == "shell" ? R"(["/bin/bash", "-eo", "pipefail", "-c"])" : R"(["/usr/local/bin/docker-entrypoint.sh"])";
  if (!value.is_array() || (!may_be_empty && value.empty()))
    throw sdk::invalid_argument(field(key) + ": expected " + (may_be_empty ? "an" : "a non-empty") +
                                " array of strings, e.g. " + example);
  std::vector<std::string> words;
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string where = field(key) + "[" + std::to_string(i) + "]";
    if (!value[i].is_string()) throw sdk::invalid_argument(where + ": expected a string");
    words.push_back(value[i].get<std::string>());
    if (words.back().find('\0') != std::string::npos) throw sdk::invalid_argument(where + ": contains a NUL byte");
  }
  if (!words.empty() && words.front().empty())
    throw sdk::invalid_argument(field(key) + "[0]: the program must not be empty");
  return words;
}

std::string parse_user(const json &value) {
  const std::string message = field("user") + R"(: expected "name", "uid" or "uid:gid", e.g. "1000:1000")";
  if (!value.is_string()) throw sdk::invalid_argument(message);
  std::string user = value.get<std::string>();
  const size_t colon = user.find(':');
  const std::string_view name = std::string_view(user).substr(0, colon);
  const std::string_view group =
      colon == std::string::npos ? std::string_view("x") : std::string_view(user).substr(colon + 1);
  if (name.empty() || group.empty() || !all_chars(name, "._-") || !all_chars(group, "._-"))
    throw sdk::invalid_argument(message);
  return user;
}

int64_t parse_memory(const json &value) {
  std::optional<int64_t> bytes;
  if (value.is_number_integer()) {
    if (value.get<int64_t>() >= 0) bytes = value.get<int64_t>();
  } else if (value.is_string()) {
    bytes = parse_byte_size(value.get<std::string>());
  }
  if (!bytes) throw sdk::invalid_argument(field("memory") + R"(: expected a size like "512m" or a number of bytes)");
  if (*bytes < kMinMemory)
    throw sdk::invalid_argument(field("memory") + ": at least 6m (the smallest limit Docker accepts)");
  return *bytes;
}

int64_t parse_cpus(const json &value) {
  if (!value.is_number() || value.get<double>() < 0.01 || value.get<double>() > kMaxCpus)
    throw sdk::invalid_argument(field("cpus") + ": expected a number of CPUs between 0.01 and 1024, e.g. 1.5");
  return std::llround(value.get<double>() * 1e9);
}

int64_t parse_pids_limit(const json &value) {
  if (!value.is_number_integer() || value.get<int64_t>() < 1)
    throw sdk::invalid_argument(field("pids_limit") + ": expected a whole number >= 1");
  return value.get<int64_t>();
}

std::string parse_network(const json &value, const PluginConfig &config) {
  if (!value.is_string() || value.get<std::string>().empty())
    throw sdk::invalid_argument(field("network") + R"(: expected a network name such as "none")");
  std::string network = value.get<std::string>();
  if (std::find(config.allowed_networks.begin(), config.allowed_networks.end(), network) ==
      config.allowed_networks.end())
    throw sdk::invalid_argument(
        field("network") + ": \"" + network +
        "\" is not allowed by this worker (config.allowed_networks: " + joined(config.allowed_networks) + ")");
  return network;
}

MountOption parse_mount(const std::string &where, const json &value, const PluginConfig &config) {
  if (!value.is_object())
    throw sdk::invalid_argument(where + R"(: expected {"source": "/host/dir", "target": "/in/container"})");
  MountOption mount;
  bool have_source = false;
  bool have_target = false;
  for (const auto &[key, v] : value.items()) {
    if (key == "source" || key == "target") {
      if (!v.is_string()) throw sdk::invalid_argument(cat(where, ".", key, ": expected an absolute path"));
      const std::optional<std::string> norm = normalize_absolute(v.get<std::string>());
      if (!norm)
        throw sdk::invalid_argument(
            cat(where, ".", key, ": expected an absolute path without \"..\", got \"", v.get<std::string>(), "\""));
      (key == "source" ? mount.source : mount.target) = *norm;
      (key == "source" ? have_source : have_target) = true;
    } else if (key == "read_only") {
      if (!v.is_boolean()) throw sdk::invalid_argument(where + ".read_only: expected true or false");
      mount.read_only = v.get<bool>();
    } else {
      throw sdk::invalid_argument(cat(where, ".", key, ": unknown field (known: source, target, read_only)"));
    }
  }
  if (!have_source) throw sdk::invalid_argument(where + ".source: missing");
  if (!have_target) throw sdk::invalid_argument(where + ".target: missing");
  const bool allowed = std::any_of(config.allowed_mount_sources.begin(), config.allowed_mount_sources.end(),
                                   [&](const std::string &prefix) { return path_is_under(mount.source, prefix); });
  if (!allowed) {
    throw sdk::invalid_argument(where + ".source: \"" + mount.source + "\" is not allowed by this worker " +
                                (config.allowed_mount_sources.empty()
                                     ? std::string("(config.allowed_mount_sources is empty)")
                                     : "(config.allowed_mount_sources: " + joined(config.allowed_mount_sources) + ")"));
  }
  if (mount.target == "/" || mount.target == "/workspace")
    throw sdk::invalid_argument(where + ".target: \"" + mount.target + "\" cannot be mounted over");
  return mount;
}

std::vector<MountOption> parse_mounts(const json &value, const PluginConfig &config) {
  if (!value.is_array()) throw sdk::invalid_argument(field("mounts") + ": expected an array of mounts");
  std::vector<MountOption> mounts;
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string where = field("mounts") + "[" + std::to_string(i) + "]";
    MountOption mount = parse_mount(where, value[i], config);
    for (const MountOption &other : mounts) {
      if (other.target == mount.target)
        throw sdk::invalid_argument(where + ".target: \"" + mount.target + "\" is mounted twice");
    }
    mounts.push_back(std::move(mount));
  }
  return mounts;
}

std::vector<std::string> parse_cap_drop(const json &value) {
  if (!value.is_array()) throw sdk::invalid_argument(field("cap_drop") + R"(: expected an array such as ["ALL"])");
  std::vector<std::string> caps;
  for (size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string() || value[i].get<std::string>().empty() || !all_chars(value[i].get<std::string>(), "_"))
      throw sdk::invalid_argument(field("cap_drop") + "[" + std::to_string(i) +
                                  R"(]: expected a capability name such as "NET_RAW" or "ALL")");
    caps.push_back(value[i].get<std::string>());
  }
  return caps;
}

} // namespace

std::string_view to_string(PullPolicy policy) noexcept {
  switch (policy) {
  case PullPolicy::never:
    return "never";
  case PullPolicy::if_not_present:
    return "if-not-present";
  case PullPolicy::always:
    return "always";
  }
  return "if-not-present";
}

std::optional<int64_t> parse_byte_size(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) != 0 || text[i] == '.')) ++i;
  const std::string number(text.substr(0, i));
  std::string unit(text.substr(i));
  std::transform(unit.begin(), unit.end(), unit.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });
  if (number.empty() || number.front() == '.' || number.back() == '.' ||
      std::count(number.begin(), number.end(), '.') > 1)
    return std::nullopt;
  long double multiplier = 0;
  if (unit.empty() || unit == "b") {
    multiplier = 1;
  } else {
    static constexpr std::string_view kUnits = "kmgt";
    const size_t power =
        unit.size() <= 2 && (unit.size() == 1 || unit[1] == 'b') ? kUnits.find(unit[0]) : std::string_view::npos;
    if (power == std::string_view::npos) return std::nullopt;
    multiplier = std::pow(1024.0L, static_cast<long double>(power + 1));
  }
  if (multiplier == 1 && number.find('.') != std::string::npos) return std::nullopt; // "1.5" bytes
  const long double value = std::stold(number) * multiplier;
  if (!(value < static_cast<long double>(std::numeric_limits<int64_t>::max()))) return std::nullopt;
  return static_cast<int64_t>(value);
}

void check_mount_sources_on_disk(const JobOptions &options, const PluginConfig &config) {
  namespace fs = std::filesystem;
  for (size_t i = 0; i < options.mounts.size(); ++i) {
    const std::string where = field("mounts") + "[" + std::to_string(i) + "].source";
    std::error_code ec;
    const fs::path real = fs::canonical(options.mounts[i].source, ec);
    if (ec) throw sdk::invalid_argument(where + ": \"" + options.mounts[i].source + "\": " + ec.message());
    const bool allowed =
        std::any_of(config.allowed_mount_sources.begin(), config.allowed_mount_sources.end(), [&](const auto &p) {
          std::error_code pec;
          const fs::path prefix = fs::canonical(p, pec);
          return !pec && path_is_under(real.string(), prefix.string());
        });
    if (!allowed)
      throw sdk::invalid_argument(where + ": \"" + options.mounts[i].source + "\" resolves to \"" + real.string() +
                                  "\", outside config.allowed_mount_sources");
  }
}

JobOptions JobOptions::parse(std::string_view text, const PluginConfig &config) {
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) throw sdk::invalid_argument("docker: not valid JSON");
  if (!doc.is_object()) throw sdk::invalid_argument("docker: expected a JSON object with at least \"image\"");
  JobOptions o;
  o.network = config.default_network;
  bool have_image = false;
  for (const auto &[key, value] : doc.items()) {
    if (key == "image") {
      o.image = parse_image(value);
      have_image = true;
    } else if (key == "pull") {
      o.pull_policy = parse_pull_policy(value);
    } else if (key == "shell") {
      o.shell = parse_words(key, value, false);
    } else if (key == "entrypoint") {
      o.entrypoint = parse_words(key, value, true);
    } else if (key == "user") {
      o.user = parse_user(value);
    } else if (key == "memory") {
      o.memory = parse_memory(value);
    } else if (key == "cpus") {
      o.nano_cpus = parse_cpus(value);
    } else if (key == "pids_limit") {
      o.pids_limit = parse_pids_limit(value);
    } else if (key == "network") {
      o.network = parse_network(value, config);
    } else if (key == "mounts") {
      o.mounts = parse_mounts(value, config);
    } else if (key == "privileged") {
      o.privileged = boolean(key, value);
      if (o.privileged && !config.allow_privileged)
        throw sdk::invalid_argument(field(key) + ": privileged containers are not allowed by this worker "
                                                 "(config.allow_privileged is false)");
    } else if (key == "read_only_rootfs") {
      o.read_only_rootfs = boolean(key, value);
    } else if (key == "cap_drop") {
      o.cap_drop = parse_cap_drop(value);
    } else if (key == "no_new_privileges") {
      o.no_new_privileges = boolean(key, value);
    } else {
      throw sdk::invalid_argument(field(key) +
                                  ": unknown field (known: image, pull, shell, entrypoint, user, memory, cpus, "
                                  "pids_limit, network, mounts, privileged, read_only_rootfs, cap_drop, "
                                  "no_new_privileges)");
    }
  }
  if (!have_image) throw sdk::invalid_argument(field("image") + ": missing (the image every step runs in)");
  return o;
}

} // namespace hodei::docker
