// What the devserver knows about a registered worker: its registration (persisted, so a worker that re-registers
// with previous_worker_id after a server restart keeps its identity and jobs) and its live session (in memory).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hodei::devserver {

struct PluginRecord {
  std::string id;
  std::string short_name;
  std::string version;
  uint64_t capabilities = 0;
  std::vector<std::string> uri_schemes;
  std::string fingerprint_json;
  std::string abi_version;

  bool operator==(const PluginRecord &) const = default;
};

struct HostFactsRecord {
  std::string os;
  std::string arch;
  std::string hostname;
  uint32_t cpus = 0;
  uint64_t memory_bytes = 0;
  std::string kernel;

  bool operator==(const HostFactsRecord &) const = default;
};

// RegisterRequest, as plain C++.
struct WorkerRegistration {
  std::string name;
  std::string version;
  std::vector<uint32_t> protocol_versions;
  std::vector<std::string> features;
  std::map<std::string, std::string> labels;
  uint32_t capacity = 0;
  HostFactsRecord host;
  std::vector<PluginRecord> executors;
  std::vector<PluginRecord> artifact_backends;
  std::optional<std::string> previous_worker_id;

  bool operator==(const WorkerRegistration &) const = default;
};

// The persisted part of a worker.
struct WorkerRecord {
  std::string id; // "w-<16 hex>"
  WorkerRegistration registration;
  uint32_t protocol_version = 0;
  std::vector<std::string> features; // negotiated
  int64_t registered_unix_ms = 0;

  bool operator==(const WorkerRecord &) const = default;
};

} // namespace hodei::devserver
