// The job's "docker" object (hodei_job_spec.options_json): which image, how steps are run, and the container's
// limits. Parsed in validate() and again in start(); every error names the field, e.g.
// `docker.memory: expected a size like "512m"`. Documented in docs/job-spec.md ("## Docker executor options").
#pragma once

#include "plugin_config.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hodei::docker {

enum class PullPolicy { never, if_not_present, always };

struct MountOption {
  std::string source; // absolute host path, normalised, under one of config.allowed_mount_sources
  std::string target; // absolute container path, normalised
  bool read_only = true;
};

struct JobOptions {
  std::string image;
  PullPolicy pull_policy = PullPolicy::if_not_present;
  // A step runs as: entrypoint..., shell..., <run>. The image's own ENTRYPOINT/CMD never run (the container's main
  // process is the executor's keeper); `entrypoint` puts a wrapper such as "/docker-entrypoint.sh" back in front.
  std::vector<std::string> shell{"/bin/sh", "-c"};
  std::vector<std::string> entrypoint;
  std::string user;                  // "" = the image's user; else "name", "uid" or "uid:gid"
  std::optional<int64_t> memory;     // bytes; swap is not allowed on top (MemorySwap = Memory)
  std::optional<int64_t> nano_cpus;  // cpus * 1e9
  std::optional<int64_t> pids_limit; // > 0
  std::string network;               // resolved: the job's choice or config.default_network
  std::vector<MountOption> mounts;
  bool privileged = false;
  bool read_only_rootfs = false;
  std::vector<std::string> cap_drop;
  bool no_new_privileges = false;

  // Parses and checks against what the operator allows. Throws sdk::Error(INVALID_ARGUMENT) naming the field.
  static JobOptions parse(std::string_view json, const PluginConfig &config);
};

// The part of the mount check that needs the disk: every docker.mounts[].source must exist and, once symlinks are
// resolved, still lie under an allowed prefix (a symlink inside an allowed folder must not lead out of it). The
// daemon runs on this machine (unix socket), so this is the same file system it will mount from.
void check_mount_sources_on_disk(const JobOptions &options, const PluginConfig &config);

// "512m" -> 536870912. Accepts a non-negative number (decimals allowed with a unit) followed by an optional unit
// b, k, kb, m, mb, g, gb, t, tb (any case; powers of 1024), or a JSON integer of bytes. nullopt when malformed or
// when it does not fit in int64.
std::optional<int64_t> parse_byte_size(std::string_view text);

// "if-not-present" etc.
std::string_view to_string(PullPolicy policy) noexcept;

} // namespace hodei::docker
