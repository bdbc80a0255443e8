// The writer: every field survives JobSpec -> JSON -> JobSpec.
#include "job/job_spec_parser.hpp"
#include "job/job_spec_writer.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>

using namespace hodei::job;

namespace {

// A spec with every field set to something other than its default.
JobSpec full_spec() {
  JobSpec spec;
  spec.name = "full";
  spec.executor = "dev.hodei.executor.docker";
  spec.env = {{"GREETING", "hello"}, {"EMPTY", ""}};
  spec.secrets = {{"TOKEN", "s3cr3t"}};
  spec.timeout = std::chrono::seconds(600);
  spec.cancel_grace = std::chrono::seconds(3);
  spec.working_directory = "src";
  spec.workspace_cleanup = WorkspaceCleanup::on_success;
  spec.steps = {
      Step{.name = "greet", .run = "echo $GREETING", .continue_on_error = false, .env = {}, .working_dir = ""},
      Step{.name = "lint", .run = "false", .continue_on_error = true, .env = {{"A", "b"}}, .working_dir = "sub"}};
  spec.inputs = {ArtifactInput{.uri = "s3://bucket/deps.tar", .sha256 = std::string(64, 'f'), .path = "deps/deps.tar"},
                 ArtifactInput{.uri = "file:///srv/cache/x", .sha256 = std::nullopt, .path = "x"}};
  spec.outputs = {ArtifactOutput{.path = "dist/*.tar.gz", .uri = "s3://bucket/builds/", .on_failure = false},
                  ArtifactOutput{.path = "logs/*.log", .uri = "file:///srv/logs/", .on_failure = true}};
  spec.executor_options = {{"docker", R"({"image":"debian:bookworm","pull":"if-not-present"})"},
                           {"shell", R"({"login":true})"}};
  return spec;
}

} // namespace

TEST_CASE("every field survives a round trip through the writer and the parser", "[job][writer]") {
  const JobSpec spec = full_spec();
  ParseOptions options;
  options.executor_names = {"shell", "docker"};
  const JobSpec again = parse_job_spec(job_spec_to_json(spec), options);
  CHECK(again.name == spec.name);
  CHECK(again.executor == spec.executor);
  CHECK(again.env == spec.env);
  CHECK(again.secrets == spec.secrets);
  CHECK(again.timeout == spec.timeout);
  CHECK(again.cancel_grace == spec.cancel_grace);
  CHECK(again.working_directory == spec.working_directory);
  CHECK(again.workspace_cleanup == spec.workspace_cleanup);
  CHECK(again.steps == spec.steps);
  CHECK(again.inputs == spec.inputs);
  CHECK(again.outputs == spec.outputs);
  CHECK(again.executor_options == spec.executor_options);
  CHECK(again == spec);
}

TEST_CASE("a spec parsed from JSON is written back to equivalent JSON", "[job][writer]") {
  const nlohmann::json document = {
      {"name", "hello"},
      {"executor", "shell"},
      {"env", {{"GREETING", "hello"}}},
      {"secrets", {{"TOKEN", "t"}}},
      {"timeout_seconds", 600},
      {"cancel_grace_seconds", 10},
      {"working_directory", "src"},
      {"workspace_cleanup", "never"},
      {"steps",
       {{{"name", "greet"}, {"run", "echo $GREETING"}},
        {{"name", "lint"},
         {"run", "false"},
         {"continue_on_error", true},
         {"env", {{"A", "b"}}},
         {"working_dir", "sub"}}}},
      {"artifacts",
       {{"inputs", {{{"uri", "s3://bucket/deps.tar"}, {"sha256", std::string(64, '0')}, {"path", "deps/deps.tar"}}}},
        {"outputs", {{{"path", "dist/*.tar.gz"}, {"uri", "s3://bucket/builds/"}, {"on_failure", true}}}}}},
      {"shell", {{"login", false}}}};
  const std::string written = job_spec_to_json(parse_job_spec(document.dump(), {}));
  CHECK(nlohmann::json::parse(written) == document);
}

TEST_CASE("the writer leaves out optional fields that hold their default", "[job][writer]") {
  JobSpec spec;
  spec.name = "min";
  spec.executor = "shell";
  spec.steps = {Step{.name = "step-1", .run = "true", .continue_on_error = false, .env = {}, .working_dir = ""}};
  const nlohmann::json written = nlohmann::json::parse(job_spec_to_json(spec, -1));
  CHECK(written == nlohmann::json{{"name", "min"},
                                  {"executor", "shell"},
                                  {"cancel_grace_seconds", 10},
                                  {"workspace_cleanup", "always"},
                                  {"steps", {{{"name", "step-1"}, {"run", "true"}}}}});
  CHECK(parse_job_spec(written.dump(), {}) == spec);
}
