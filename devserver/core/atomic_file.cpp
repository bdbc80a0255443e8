#include "devserver/core/atomic_file.hpp"

#include "devserver/core/unique_fd.hpp"

#include <cerrno>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace hodei::devserver {
void fsync_directory(const std::filesystem::path &dir) {
  const UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) throw_errno("cannot open folder", dir);
  if (::fsync(fd.get()) != 0) throw_errno("cannot fsync folder", dir);
}

void write_file_atomically(const std::filesystem::path &path, std::string_view content, Durability durability) {
  const bool sync = durability == Durability::power_loss;
  std::filesystem::path temp = path;
  temp += ".tmp";
  {
    const UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) throw_errno("cannot create", temp);
    write_all(fd.get(), content.data(), content.size(), temp);
    if (sync && ::fsync(fd.get()) != 0) throw_errno("cannot fsync", temp);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) throw_errno("cannot rename over", path);
  if (sync) fsync_directory(path.parent_path());
}

std::string read_whole_file(const std::filesystem::path &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_errno("cannot open", path);
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) throw_errno("cannot read", path);
  return content.str();
}

} // namespace hodei::devserver
