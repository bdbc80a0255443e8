// Moves a job's artifacts: inputs fetched (in parallel, bounded) through the backend plugin for their URI scheme
// into the verified cache and linked into the workspace before the job; outputs (globs) uploaded after it, hashed
// while streaming. Every failure throws ArtifactError naming the artifact and what went wrong.
#pragma once

#include "artifact_cache.hpp"
#include "job/job_spec.hpp"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace hodei::plugins {
class PluginRegistry;
}

namespace hodei::artifacts {

enum class LinkMode { hardlink, copy };

struct ManagerOptions {
  uint32_t parallel_transfers = 4;
  LinkMode link_mode = LinkMode::hardlink;
};

struct ArtifactRecord {
  enum class Direction { input, output } direction = Direction::input;
  std::string uri;
  std::string path; // workspace-relative
  uint64_t size = 0;
  std::string sha256;
  bool cache_hit = false;
};

// Bytes moved through the backends since the manager was created (metrics).
struct TransferTotals {
  uint64_t downloaded_bytes = 0;
  uint64_t uploaded_bytes = 0;
};

class ArtifactError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Receives human-readable progress lines for the job's log ("downloaded s3://b/k (10.0 MiB, 95.2 MiB/s)").
using ProgressFn = std::function<void(const std::string &line)>;
using CancelFn = std::function<bool()>;

class ArtifactManager {
public:
  ArtifactManager(plugins::PluginRegistry &registry, ArtifactCache &cache, ManagerOptions options);

  std::vector<ArtifactRecord> fetch_inputs(const std::vector<job::ArtifactInput> &inputs,
                                           const std::filesystem::path &workspace, const ProgressFn &progress,
                                           const CancelFn &cancelled);

  // Uploads the outputs that apply (all after success; only on_failure ones after a failure).
  std::vector<ArtifactRecord> upload_outputs(const std::vector<job::ArtifactOutput> &outputs,
                                             const std::filesystem::path &workspace, bool job_succeeded,
                                             const ProgressFn &progress, const CancelFn &cancelled);

  // Single transfers, for `hodei-worker artifacts get|put`.
  ArtifactRecord download_file(const std::string &uri, const std::filesystem::path &file, const ProgressFn &progress,
                               const CancelFn &cancelled);
  ArtifactRecord upload_file(const std::filesystem::path &file, const std::string &uri, const ProgressFn &progress,
                             const CancelFn &cancelled);

  [[nodiscard]] TransferTotals transfer_totals() const noexcept;

private:
  ArtifactRecord fetch_one(const job::ArtifactInput &input, const std::filesystem::path &workspace,
                           const ProgressFn &progress, const CancelFn &cancelled);
  std::string download_to(const std::string &uri, const std::filesystem::path &file, const ProgressFn &progress,
                          const CancelFn &cancelled);
  void place(const std::filesystem::path &cached, const std::filesystem::path &dest) const;

  plugins::PluginRegistry &registry_;
  ArtifactCache &cache_;
  ManagerOptions options_;
  std::atomic<uint64_t> downloaded_bytes_{0};
  std::atomic<uint64_t> uploaded_bytes_{0};
};

} // namespace hodei::artifacts
