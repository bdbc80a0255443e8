// The plugin config of dev.hodei.artifact.fs.
#pragma once

#include <hodei/sdk.hpp>
#include <string>
#include <string_view>

namespace hodei::artifact_fs {

extern const char kFsConfigSchema[];

struct FsConfig {
  std::string root; // absolute folder every object lives under

  // {"root": "/abs"}; without root: host setting worker.data_dir + "/artifacts". Throws sdk::invalid_argument
  // naming the field.
  static FsConfig parse(std::string_view json, const sdk::Host &host);
};

} // namespace hodei::artifact_fs
