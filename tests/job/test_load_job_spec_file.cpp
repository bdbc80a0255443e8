// Loading a spec from a file: the file is named in every error, and unreadable or huge files are refused.
#include "job/job_spec_parser.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

using namespace hodei::job;

namespace {

// A fresh directory under the build tree, removed at the end of the test.
class TempDir {
public:
  TempDir()
      : path_(std::filesystem::path(HODEI_BINARY_DIR) / "test-tmp" /
              ("job-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;

  [[nodiscard]] std::filesystem::path write(const std::string &name, const std::string &text) const {
    std::filesystem::path file = path_ / name;
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }
  [[nodiscard]] const std::filesystem::path &path() const { return path_; }

private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

std::string load_error(const std::filesystem::path &file, const ParseOptions &options = {}) {
  try {
    (void)load_job_spec_file(file, options);
  } catch (const SpecError &error) {
    return error.what();
  }
  FAIL("expected a SpecError loading " << file);
  return "";
}

} // namespace

TEST_CASE("a spec file is loaded and parsed", "[job][file]") {
  const TempDir dir;
  const auto file = dir.write("job.json", R"({"name":"f","executor":"shell","steps":[{"run":"true"}]})");
  CHECK(load_job_spec_file(file, {}).name == "f");
}

TEST_CASE("errors in a spec file name the file", "[job][file]") {
  const TempDir dir;
  const auto file = dir.write("bad.json", R"({"name":"","executor":"shell","steps":[{"run":"true"}]})");
  CHECK_THAT(load_error(file), Catch::Matchers::StartsWith(file.string() + ": $.name: "));
  const auto broken = dir.write("broken.json", "{\n  \"name\": ,\n}");
  CHECK_THAT(load_error(broken), Catch::Matchers::StartsWith(broken.string() + ":2:11: invalid JSON"));
}

TEST_CASE("an explicit source name replaces the file name in errors", "[job][file]") {
  const TempDir dir;
  const auto file = dir.write("bad.json", R"({"name":""})");
  ParseOptions options;
  options.source_name = "submitted job 42";
  CHECK_THAT(load_error(file, options), Catch::Matchers::StartsWith("submitted job 42: $.name"));
}

TEST_CASE("a missing spec file is an error naming the file", "[job][file]") {
  const TempDir dir;
  const auto missing = dir.path() / "nope.json";
  try {
    (void)load_job_spec_file(missing, {});
    FAIL("expected a SpecError");
  } catch (const SpecError &error) {
    CHECK_THAT(error.what(), Catch::Matchers::StartsWith(missing.string() + ": cannot read job spec: "));
    CHECK_THAT(error.what(), Catch::Matchers::Contains("No such file or directory"));
    CHECK(error.path().empty());
  }
}

TEST_CASE("a directory is not a spec file", "[job][file]") {
  const TempDir dir;
  CHECK_THAT(load_error(dir.path()), Catch::Matchers::Contains("cannot read job spec: is a directory"));
}

TEST_CASE("a spec file larger than 4 MiB is refused", "[job][file]") {
  const TempDir dir;
  const auto file = dir.write("huge.json", std::string(kMaxSpecBytes + 1, ' '));
  CHECK_THAT(load_error(file), Catch::Matchers::Contains("input too large"));
}
