#include "permissions.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace hodei::plugins {

namespace fs = std::filesystem;

namespace {

constexpr const char *kOverride = "pass --allow-insecure-plugins for development";

std::string octal_mode(mode_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

fs::path folder_of(const fs::path &file) {
  fs::path parent = file.parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

// One path: `subject` says what it is relative to the plugin file ("the file", "its folder /x").
std::optional<std::string> check_one(const fs::path &path, const std::string &subject) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return "cannot check the permissions of " + subject + ": " + std::generic_category().message(errno);
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    const char *who = (st.st_mode & S_IWOTH) != 0 ? "others" : "group";
    return subject + " is writable by " + who + " (mode " + octal_mode(st.st_mode) +
           "); refusing to load: fix with chmod go-w " + path.string() + ", or " + kOverride;
  }
  const uid_t me = ::geteuid();
  if (st.st_uid != 0 && st.st_uid != me) {
    return subject + " is owned by uid " + std::to_string(st.st_uid) + ", not by root or the current user (uid " +
           std::to_string(me) + "); refusing to load: fix with chown root " + path.string() + ", or " + kOverride;
  }
  return std::nullopt;
}

} // namespace

std::optional<std::string> check_permissions(const fs::path &plugin_file) {
  std::error_code ec;
  const fs::path folder = folder_of(plugin_file);
  if (!fs::is_symlink(plugin_file, ec)) {
    if (auto problem = check_one(plugin_file, "the file")) return problem;
    return check_one(folder, "its folder " + folder.string());
  }
  // A symlink: whoever can change the link's folder, the target, or the target's folder controls the code.
  const fs::path target = fs::canonical(plugin_file, ec);
  if (ec) return "cannot resolve the symlink: " + ec.message();
  if (auto problem = check_one(folder, "its folder " + folder.string())) return problem;
  if (auto problem = check_one(target, "its symlink target " + target.string())) return problem;
  const fs::path target_folder = folder_of(target);
  return check_one(target_folder, "its symlink target's folder " + target_folder.string());
}

} // namespace hodei::plugins
