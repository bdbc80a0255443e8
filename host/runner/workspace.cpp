#include "workspace.hpp"

#include <spdlog/spdlog.h>
#include <stdexcept>
#include <system_error>

namespace hodei::runner {

namespace fs = std::filesystem;

Workspace Workspace::create_under(const fs::path &root, const std::string &job_id) {
  if (job_id.empty() || job_id.find('/') != std::string::npos || job_id == "." || job_id == "..") {
    throw std::invalid_argument("invalid job id for a workspace folder: '" + job_id + "'");
  }
  fs::create_directories(root);
  fs::path dir = fs::absolute(root / job_id);
  std::error_code ec;
  fs::remove_all(dir, ec); // a leftover of a crashed run must not leak into this job
  fs::create_directory(dir);
  fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  return {dir, true};
}

Workspace Workspace::use_existing(const fs::path &dir) {
  fs::create_directories(dir);
  return {fs::canonical(dir), false};
}

Workspace::Workspace(Workspace &&other) noexcept : path_(std::move(other.path_)), owned_(other.owned_) {
  other.owned_ = false;
}

Workspace::~Workspace() {
  if (!owned_) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
  if (ec) spdlog::warn("could not remove workspace {}: {}", path_.string(), ec.message());
}

} // namespace hodei::runner
