#include "temp_file.hpp"

#include "root_jail.hpp"

#include <cerrno>
#include <fcntl.h>
#include <random>
#include <sys/stat.h>

namespace hodei::artifact_fs {
namespace {

std::string random_hex(size_t digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out;
  for (size_t i = 0; i < digits; ++i) out.push_back(kHex[rng() & 0xF]);
  return out;
}

} // namespace

TempFile::TempFile(int dir, std::string final_name, std::string uri)
    : dir_(dir), final_name_(std::move(final_name)), uri_(std::move(uri)) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    temp_name_ = std::string(kTempPrefix) + random_hex(16);
    fd_.reset(::openat(dir_, temp_name_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (fd_.valid()) return;
    if (errno != EEXIST) break;
  }
  const int e = errno;
  temp_name_.clear();
  throw_errno(e, "creating a temporary file", uri_);
}

TempFile::~TempFile() {
  if (!committed_ && !temp_name_.empty()) {
    fd_.reset();
    ::unlinkat(dir_, temp_name_.c_str(), 0);
  }
}

void TempFile::write_all(const void *data, size_t len) {
  const auto *p = static_cast<const char *>(data);
  while (len > 0) {
    const ssize_t n = ::write(fd_.get(), p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno(errno, "writing", uri_);
    }
    p += n;
    len -= static_cast<size_t>(n);
  }
}

void TempFile::commit() {
  if (::fsync(fd_.get()) != 0) throw_errno(errno, "fsync", uri_);
  if (::renameat(dir_, temp_name_.c_str(), dir_, final_name_.c_str()) != 0) throw_errno(errno, "rename", uri_);
  committed_ = true;
  fd_.reset();
  if (::fsync(dir_) != 0) throw_errno(errno, "fsync of the folder", uri_);
}

} // namespace hodei::artifact_fs
