// A job's working folder. Created empty for the job; removed when the Workspace is destroyed unless kept (the
// job's cleanup policy, or a folder the user named, which is never deleted).
#pragma once

#include <filesystem>

namespace hodei::runner {

class Workspace {
public:
  // A fresh folder root/job_id (a stale one from a crashed run is wiped first). Removed on destruction.
  static Workspace create_under(const std::filesystem::path &root, const std::string &job_id);
  // A folder the user chose: created if missing, never removed.
  static Workspace use_existing(const std::filesystem::path &dir);

  Workspace(Workspace &&other) noexcept;
  Workspace &operator=(Workspace &&) = delete;
  Workspace(const Workspace &) = delete;
  Workspace &operator=(const Workspace &) = delete;
  ~Workspace();

  [[nodiscard]] const std::filesystem::path &path() const noexcept { return path_; }
  void keep() noexcept { owned_ = false; }

private:
  Workspace(std::filesystem::path path, bool owned) : path_(std::move(path)), owned_(owned) {}
  std::filesystem::path path_;
  bool owned_;
};

} // namespace hodei::runner
