// The example jobs in examples/ parse, and each shows what it is meant to show.
#include "job/job_spec_parser.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

using namespace hodei::job;

namespace {

std::filesystem::path examples_dir() { return std::filesystem::path(HODEI_SOURCE_DIR) / "examples"; }

JobSpec load_example(const std::string &file) { return load_job_spec_file(examples_dir() / file, {}); }

} // namespace

TEST_CASE("every example job parses", "[job][examples]") {
  std::size_t count = 0;
  for (const auto &entry : std::filesystem::directory_iterator(examples_dir())) {
    if (entry.path().extension() != ".json") continue;
    INFO(entry.path().string());
    ParseOptions options;
    options.executor_names = {"shell", "docker"};
    CHECK_NOTHROW(load_job_spec_file(entry.path(), options));
    ++count;
  }
  CHECK(count >= 4);
}

TEST_CASE("the hello example echoes a secret, writes to stderr and tolerates a failing step", "[job][examples]") {
  const JobSpec spec = load_example("hello.json");
  CHECK(spec.executor == "shell");
  CHECK_FALSE(spec.env.empty());
  REQUIRE(spec.secrets.size() == 1);
  const std::string secret_name = spec.secrets.begin()->first;
  REQUIRE(spec.steps.size() >= 2);
  REQUIRE(spec.steps.size() <= 3);
  CHECK_THAT(spec.steps[0].run, Catch::Matchers::Contains("$" + secret_name));
  bool has_stderr = false;
  bool has_continue_on_error = false;
  for (const Step &step : spec.steps) {
    has_stderr = has_stderr || step.run.find(">&2") != std::string::npos;
    has_continue_on_error = has_continue_on_error || step.continue_on_error;
  }
  CHECK(has_stderr);
  CHECK(has_continue_on_error);
}

TEST_CASE("the failing example fails at its second step", "[job][examples]") {
  const JobSpec spec = load_example("failing.json");
  REQUIRE(spec.steps.size() >= 2);
  CHECK_THAT(spec.steps[1].run, Catch::Matchers::Contains("exit 1"));
  CHECK_FALSE(spec.steps[1].continue_on_error);
}

TEST_CASE("the timeout example times out after 2 seconds in a sleep 30", "[job][examples]") {
  const JobSpec spec = load_example("timeout.json");
  CHECK(spec.timeout == std::chrono::seconds(2));
  CHECK_THAT(spec.steps.at(0).run, Catch::Matchers::Contains("sleep 30"));
}

TEST_CASE("the artifacts example has file:// inputs and outputs", "[job][examples]") {
  const JobSpec spec = load_example("artifacts.json");
  REQUIRE_FALSE(spec.inputs.empty());
  REQUIRE_FALSE(spec.outputs.empty());
  for (const ArtifactInput &input : spec.inputs) CHECK_THAT(input.uri, Catch::Matchers::StartsWith("file://"));
  for (const ArtifactOutput &output : spec.outputs) CHECK_THAT(output.uri, Catch::Matchers::StartsWith("file://"));
}

TEST_CASE("the commented example at the top of docs/job-spec.md parses", "[job][examples]") {
  std::ifstream in(std::filesystem::path(HODEI_SOURCE_DIR) / "docs" / "job-spec.md");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string doc = buffer.str();
  const std::string open = "```jsonc\n";
  const std::size_t start = doc.find(open);
  REQUIRE(start != std::string::npos);
  const std::size_t end = doc.find("```", start + open.size());
  REQUIRE(end != std::string::npos);
  ParseOptions options;
  options.executor_names = {"shell", "docker"};
  const JobSpec spec = parse_job_spec(doc.substr(start + open.size(), end - start - open.size()), options);
  CHECK(spec.executor == "docker");
  CHECK(spec.executor_options.count("docker") == 1);
  CHECK(spec.steps.size() == 2);
}
