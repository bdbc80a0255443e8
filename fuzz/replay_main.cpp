// Runs a fuzz target's LLVMFuzzerTestOneInput over every file of the folders given on the command line, without
// libFuzzer: the normal (gcc) builds register this as a test per target, so the seed corpus and every committed
// crash reproducer are replayed by ctest in every build, the sanitizer builds included.
//   fuzz_replay_<target> DIR_OR_FILE...
// A folder that does not exist counts as empty (a target may have no regressions yet). Exits non-zero when no
// input was found at all, so a misnamed corpus folder cannot pass by running nothing.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace {

std::vector<std::filesystem::path> inputs_of(const std::filesystem::path &root) {
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_regular_file(root)) files.push_back(root);
  if (std::filesystem::is_directory(root)) {
    for (const auto &entry : std::filesystem::recursive_directory_iterator(root)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end()); // a stable order, so a failure reproduces the same way
  return files;
}

std::string read_file(const std::filesystem::path &file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

int main(int argc, char **argv) {
  size_t count = 0;
  for (int i = 1; i < argc; ++i) {
    for (const auto &file : inputs_of(argv[i])) {
      // Printed before running: when an input crashes the process, the last line names it.
      std::printf("%s\n", file.c_str());
      std::fflush(stdout);
      const std::string bytes = read_file(file);
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size());
      ++count;
    }
  }
  std::printf("replayed %zu input(s)\n", count);
  return count > 0 ? 0 : 1;
}
