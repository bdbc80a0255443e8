// Crash-safe whole-file replacement: after write_file_atomically returns, the file holds either the old or the new
// content in full, also across a power loss (temp file + fsync + rename + fsync of the folder).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace hodei::devserver {

// Writes `content` to `<path>.tmp`, fsyncs it, renames it over `path`, fsyncs the parent folder.
// Throws std::system_error naming the path on any failure (the old file is then untouched).
void write_file_atomically(const std::filesystem::path &path, std::string_view content);

// fsync of a folder, so a rename or a new file in it is durable. Throws std::system_error.
void fsync_directory(const std::filesystem::path &dir);

// Whole file as a string. Throws std::system_error.
std::string read_whole_file(const std::filesystem::path &path);

} // namespace hodei::devserver
