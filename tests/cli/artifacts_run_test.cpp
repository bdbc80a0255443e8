// End to end: `hodei-worker run` fetches inputs through the real artifact-fs plugin into the verified cache and
// uploads outputs after the job.
#include "subprocess.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using hodei::test::ProcessResult;
using hodei::test::run_process;

namespace {

const std::string worker = HODEI_BINARY_DIR "/bin/hodei-worker";

std::string slurp(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct ArtifactScene {
  fs::path dir;
  fs::path root;
  ArtifactScene() {
    dir = fs::temp_directory_path() / ("hodei-art-e2e-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    root = dir / "store";
    fs::create_directories(root);
    fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                             fs::perms::others_exec);
    std::ofstream(root / "greeting.txt") << "hello from an artifact\n";
    std::ofstream(dir / "worker.json") << R"({ "worker": { "data_dir": ")" << (dir / "data").string()
                                       << R"(" }, "plugins": { "config": { "dev.hodei.artifact.fs": { "root": ")"
                                       << root.string() << R"(" } } } })";
  }
  ~ArtifactScene() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string job(const std::string &sha) const {
    const fs::path p = dir / "job.json";
    std::ofstream(p) << R"({ "name": "art", "executor": "shell",
      "steps": [ { "name": "build", "run": "mkdir -p dist && tr a-z A-Z < in/greeting.txt > dist/GREETING.txt" } ],
      "artifacts": {
        "inputs": [ { "uri": "file://)"
                     << (root / "greeting.txt").string() << R"(", "sha256": ")" << sha
                     << R"(", "path": "in/greeting.txt" } ],
        "outputs": [ { "path": "dist/*.txt", "uri": "file://)"
                     << (root / "out").string() << R"(/" } ] } })";
    return p.string();
  }
  ProcessResult run(const std::string &job_file) const {
    return run_process(
        {worker, "--config", (dir / "worker.json").string(), "--plugin-dir", HODEI_PLUGIN_DIR, "run", job_file});
  }
};

} // namespace

TEST_CASE("run fetches a verified input, runs the job and uploads its outputs through artifact-fs") {
  ArtifactScene scene;
  const std::string sha =
      run_process({"sh", "-c", "sha256sum < " + (scene.root / "greeting.txt").string()}).out.substr(0, 64);
  const ProcessResult r = scene.run(scene.job(sha));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(slurp(scene.root / "out" / "GREETING.txt") == "HELLO FROM AN ARTIFACT\n");
  CHECK(r.err.find("downloading file://") != std::string::npos);
  CHECK(r.err.find("uploading file://") != std::string::npos);
  // The second run is served from the cache.
  const ProcessResult again = scene.run(scene.job(sha));
  CHECK(again.exit_code == 0);
  CHECK(again.err.find("cache hit") != std::string::npos);
}

TEST_CASE("run fails with both digests when an input does not match its sha256") {
  ArtifactScene scene;
  const std::string wrong(64, 'a');
  const ProcessResult r = scene.run(scene.job(wrong));
  CHECK(r.exit_code == 3);
  CHECK(r.err.find(wrong) != std::string::npos);
  CHECK(r.err.find("mismatch") != std::string::npos);
  CHECK_FALSE(fs::exists(scene.root / "out"));
}

TEST_CASE("run refuses an output that escapes the workspace through a symlink") {
  ArtifactScene scene;
  const fs::path job = scene.dir / "escape.json";
  // The step plants a symlink to /etc; the output glob must not follow it out of the workspace.
  std::ofstream(job) << R"({ "name": "esc", "executor": "shell",
    "steps": [ { "run": "ln -s /etc link" } ],
    "artifacts": { "outputs": [ { "path": "link/hostname", "uri": "file://)"
                     << (scene.root / "x").string() << R"(/" } ] } })";
  const ProcessResult r = scene.run(job.string());
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("outside the workspace") != std::string::npos);
  CHECK_FALSE(fs::exists(scene.root / "x"));
}
