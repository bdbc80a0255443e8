// A temporary file beside its final name that becomes visible only through commit() (fsync + rename + fsync of
// the folder). Until then the destructor removes it, so a failed or cancelled put leaves nothing behind.
#pragma once

#include "unique_fd.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace hodei::artifact_fs {

// Temp files are named kTempPrefix + 16 random hex digits; list() skips such names and put() refuses them.
inline constexpr std::string_view kTempPrefix = ".hodei-tmp-";

class TempFile {
public:
  // Creates the temp file in the folder `dir` (a descriptor that stays valid for this object's lifetime).
  TempFile(int dir, std::string final_name, std::string uri);
  TempFile(const TempFile &) = delete;
  TempFile &operator=(const TempFile &) = delete;
  ~TempFile();

  void write_all(const void *data, size_t len);
  // fsyncs the data, renames over `final_name` (replacing it atomically) and fsyncs the folder.
  void commit();
  [[nodiscard]] int fd() const noexcept { return fd_.get(); }

private:
  int dir_;
  std::string final_name_;
  std::string temp_name_;
  std::string uri_;
  UniqueFd fd_;
  bool committed_ = false;
};

} // namespace hodei::artifact_fs
