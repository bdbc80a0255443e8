// Crash-safe whole-file replacement: after write_file_atomically returns, the file holds either the old or the new
// content in full, also across a power loss (temp file + fsync + rename + fsync of the folder).
// Durability::process_crash skips both fsyncs: the replacement is still atomic for readers and survives the process
// being killed (the page cache keeps it), but a power loss may bring back the previous content.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace hodei::devserver {

enum class Durability {
  power_loss,    // fsync'ed: survives a crash of the machine
  process_crash, // survives the process being killed, not a power loss (no fsync: ~100x cheaper on a real disk)
};

// Writes `content` to `<path>.tmp`, fsyncs it, renames it over `path`, fsyncs the parent folder (the fsyncs only
// with Durability::power_loss). Throws std::system_error naming the path on any failure (the old file is then
// untouched).
void write_file_atomically(const std::filesystem::path &path, std::string_view content,
                           Durability durability = Durability::power_loss);

// fsync of a folder, so a rename or a new file in it is durable. Throws std::system_error.
void fsync_directory(const std::filesystem::path &dir);

// Whole file as a string. Throws std::system_error.
std::string read_whole_file(const std::filesystem::path &path);

} // namespace hodei::devserver
