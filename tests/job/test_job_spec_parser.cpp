// The job spec parser: every validation rule, checked by the JSON path and the key part of its message.
#include "job/job_spec_parser.hpp"
#include "spec_test_support.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

using hodei::job::executor_short_name;
using hodei::job::JobSpec;
using hodei::job::kMaxSteps;
using hodei::job::ParseOptions;
using hodei::job::WorkspaceCleanup;
using hodei::job::test::error_of;
using hodei::job::test::error_of_text;
using hodei::job::test::minimal_spec;
using hodei::job::test::parse;
using Json = nlohmann::json;

namespace {

Json with_steps(Json steps) {
  Json doc = minimal_spec();
  doc["steps"] = std::move(steps);
  return doc;
}

Json with_artifacts(Json artifacts) {
  Json doc = minimal_spec();
  doc["artifacts"] = std::move(artifacts);
  return doc;
}

Json with_input(Json input) { return with_artifacts({{"inputs", Json::array({std::move(input)})}}); }
Json with_output(Json output) { return with_artifacts({{"outputs", Json::array({std::move(output)})}}); }

} // namespace

// --- defaults and the document

TEST_CASE("a minimal spec gets the documented defaults", "[job][parser]") {
  const JobSpec spec = parse(minimal_spec());
  CHECK(spec.name == "t");
  CHECK(spec.executor == "shell");
  CHECK(spec.env.empty());
  CHECK(spec.secrets.empty());
  CHECK_FALSE(spec.timeout.has_value());
  CHECK(spec.cancel_grace == std::chrono::seconds(10));
  CHECK(spec.working_directory.empty());
  CHECK(spec.workspace_cleanup == WorkspaceCleanup::always);
  REQUIRE(spec.steps.size() == 1);
  CHECK(spec.steps[0].name == "step-1");
  CHECK(spec.steps[0].run == "true");
  CHECK_FALSE(spec.steps[0].continue_on_error);
  CHECK(spec.steps[0].env.empty());
  CHECK(spec.steps[0].working_dir.empty());
  CHECK(spec.inputs.empty());
  CHECK(spec.outputs.empty());
  CHECK(spec.executor_options.empty());
}

TEST_CASE("the document must be a JSON object", "[job][parser]") {
  CHECK_SPEC_ERROR(error_of(Json::array()), "$", "expected an object, got an array");
}

TEST_CASE("comments are accepted in a spec", "[job][parser]") {
  const JobSpec spec = hodei::job::parse_job_spec(R"({
    // line comment
    "name": "c", /* block
    comment */ "executor": "shell",
    "steps": [ { "run": "echo hi" } ] // trailing
  })",
                                                  {});
  CHECK(spec.name == "c");
  CHECK(spec.steps.at(0).run == "echo hi");
}

TEST_CASE("a syntax error names the source, line and column", "[job][parser]") {
  ParseOptions options;
  options.source_name = "jobs/broken.json";
  const auto error = error_of_text("{\n  \"name\": \"x\",\n  \"executor\" \"shell\"\n}", options);
  CHECK(error.path() == "$");
  CHECK_THAT(error.what(), Catch::Matchers::StartsWith("jobs/broken.json:3:14: invalid JSON: "));
}

TEST_CASE("every error message starts with the source name", "[job][parser]") {
  ParseOptions options;
  options.source_name = "ci/build.json";
  Json doc = minimal_spec();
  doc["name"] = "";
  CHECK_THAT(error_of(doc, options).what(), Catch::Matchers::StartsWith("ci/build.json: $.name: expected"));
}

TEST_CASE("a duplicate key is refused with its path", "[job][parser]") {
  const auto error = error_of_text(R"({"name":"a","executor":"shell","steps":[{"run":"x","run":"y"}]})");
  CHECK_SPEC_ERROR(error, "$.steps[0].run", "duplicate key 'run'");
}

TEST_CASE("input larger than 4 MiB is refused before parsing", "[job][parser]") {
  const std::string text = "{\"name\": \"" + std::string(hodei::job::kMaxSpecBytes, 'a') + "\"}";
  CHECK_SPEC_ERROR(error_of_text(text), "$", "input too large");
}

TEST_CASE("nesting deeper than 64 levels is refused", "[job][parser]") {
  std::string deep;
  for (int i = 0; i < 64; ++i) deep += "[";
  const std::string text = R"({"name":"a","executor":"shell","steps":[{"run":"x"}],"shell":{"x":)" + deep;
  const auto error = error_of_text(text);
  CHECK_THAT(error.what(), Catch::Matchers::Contains("nested deeper than the limit of 64"));
  CHECK_THAT(error.path(), Catch::Matchers::StartsWith("$.shell.x[0][0]"));
}

// --- unknown fields

TEST_CASE("an unknown top-level field is refused with a did-you-mean", "[job][parser]") {
  Json doc = minimal_spec();
  doc["stpes"] = doc["steps"];
  doc.erase("steps");
  const auto error = error_of(doc);
  CHECK_SPEC_ERROR(error, "$.stpes", "unknown field 'stpes' (did you mean 'steps'?)");
  CHECK_THAT(error.what(), Catch::Matchers::Contains("expected one of: artifacts, cancel_grace_seconds, env"));
}

TEST_CASE("an unknown field far from every known one gets no suggestion", "[job][parser]") {
  Json doc = minimal_spec();
  doc["priority"] = 3;
  const auto error = error_of(doc);
  CHECK_SPEC_ERROR(error, "$.priority", "unknown field 'priority'; expected one of:");
  CHECK_THAT(error.what(), !Catch::Matchers::Contains("did you mean"));
}

TEST_CASE("unknown fields are refused in steps and artifacts too", "[job][parser]") {
  CHECK_SPEC_ERROR(error_of(with_steps({{{"run", "x"}, {"continue_on_eror", true}}})), "$.steps[0].continue_on_eror",
                   "unknown field 'continue_on_eror' (did you mean 'continue_on_error'?)");
  CHECK_SPEC_ERROR(error_of(with_artifacts({{"input", Json::array()}})), "$.artifacts.input",
                   "(did you mean 'inputs'?)");
  CHECK_SPEC_ERROR(error_of(with_input({{"uri", "s3://b/k"}, {"path", "k"}, {"sha265", ""}})),
                   "$.artifacts.inputs[0].sha265", "(did you mean 'sha256'?)");
  CHECK_SPEC_ERROR(error_of(with_output({{"uri", "s3://b/"}, {"path", "k"}, {"on_falure", true}})),
                   "$.artifacts.outputs[0].on_falure", "(did you mean 'on_failure'?)");
}

// --- name and executor

TEST_CASE("the job name is a required non-empty string of at most 128 characters", "[job][parser]") {
  Json doc = minimal_spec();
  doc.erase("name");
  CHECK_SPEC_ERROR(error_of(doc), "$.name", "missing required field 'name'");
  doc["name"] = "";
  CHECK_SPEC_ERROR(error_of(doc), "$.name", "expected a non-empty string of at most 128 characters, got an empty");
  doc["name"] = "   ";
  CHECK_SPEC_ERROR(error_of(doc), "$.name", "got a blank string");
  doc["name"] = 5;
  CHECK_SPEC_ERROR(error_of(doc), "$.name", "got the number 5");
  doc["name"] = std::string(129, 'n');
  CHECK_SPEC_ERROR(error_of(doc), "$.name", "got 129 characters");
  doc["name"] = "line\nbreak";
  CHECK_SPEC_ERROR(error_of(doc), "$.name", "expected a single-line name");
}

TEST_CASE("the 128-character name limit counts characters, not bytes", "[job][parser]") {
  Json doc = minimal_spec();
  std::string name;
  for (int i = 0; i < 128; ++i) name += "\xC3\xA9"; // é
  doc["name"] = name;
  CHECK(parse(doc).name == name);
}

TEST_CASE("the executor is a required short name or plugin id", "[job][parser]") {
  Json doc = minimal_spec();
  doc.erase("executor");
  CHECK_SPEC_ERROR(error_of(doc), "$.executor", "missing required field 'executor'");
  doc["executor"] = "";
  CHECK_SPEC_ERROR(error_of(doc), "$.executor", "expected a non-empty string");
  doc["executor"] = "my shell";
  CHECK_SPEC_ERROR(error_of(doc), "$.executor", "expected an executor short name or plugin id");
  doc["executor"] = "dev.hodei.executor.";
  CHECK_SPEC_ERROR(error_of(doc), "$.executor", "expected an executor short name or plugin id");
  doc["executor"] = "dev.hodei.executor.shell";
  CHECK(parse(doc).executor == "dev.hodei.executor.shell");
}

TEST_CASE("executor_short_name keeps the part after the last dot", "[job][parser]") {
  CHECK(executor_short_name("dev.hodei.executor.shell") == "shell");
  CHECK(executor_short_name("shell") == "shell");
  CHECK(executor_short_name("com.example.my-docker") == "my-docker");
}

// --- steps

TEST_CASE("steps must be a non-empty array of at most 1000 steps", "[job][parser]") {
  Json doc = minimal_spec();
  doc.erase("steps");
  CHECK_SPEC_ERROR(error_of(doc), "$.steps", "missing required field 'steps'");
  CHECK_SPEC_ERROR(error_of(with_steps(Json::array())), "$.steps", "expected a non-empty array");
  CHECK_SPEC_ERROR(error_of(with_steps(Json::object())), "$.steps", "got an object");
  Json many = Json::array();
  for (std::size_t i = 0; i < kMaxSteps; ++i) many.push_back({{"run", "true"}});
  CHECK(parse(with_steps(many)).steps.size() == kMaxSteps);
  many.push_back({{"run", "true"}});
  CHECK_SPEC_ERROR(error_of(with_steps(many)), "$.steps", "at most 1000 elements, got 1001 elements");
}

TEST_CASE("a step must be an object", "[job][parser]") {
  CHECK_SPEC_ERROR(error_of(with_steps({"echo hi"})), "$.steps[0]", "expected an object, got a string");
}

TEST_CASE("a step's run is a required non-empty string", "[job][parser]") {
  CHECK_SPEC_ERROR(error_of(with_steps({{{"run", "x"}}, {{"name", "b"}}})), "$.steps[1].run",
                   "missing required field 'run'");
  CHECK_SPEC_ERROR(error_of(with_steps({{{"run", "x"}}, {{"run", ""}}})), "$.steps[1].run",
                   "expected a non-empty string");
  CHECK_SPEC_ERROR(error_of(with_steps({{{"run", Json::array({"echo", "hi"})}}})), "$.steps[0].run",
                   "expected a non-empty string, got an array");
  CHECK_SPEC_ERROR(error_of(with_steps({{{"run", std::string("echo\0hi", 7)}}})), "$.steps[0].run",
                   "without NUL characters");
}

TEST_CASE("unnamed steps are named step-<1-based index>", "[job][parser]") {
  const JobSpec spec = parse(with_steps({{{"run", "a"}}, {{"name", "build"}, {"run", "b"}}, {{"run", "c"}}}));
  CHECK(spec.steps[0].name == "step-1");
  CHECK(spec.steps[1].name == "build");
  CHECK(spec.steps[2].name == "step-3");
}

TEST_CASE("step names must be unique, default names included", "[job][parser]") {
  CHECK_SPEC_ERROR(error_of(with_steps({{{"name", "b"}, {"run", "x"}}, {{"name", "b"}, {"run", "y"}}})),
                   "$.steps[1].name", "step name 'b' is already used by $.steps[0]");
  CHECK_SPEC_ERROR(error_of(with_steps({{{"name", "step-2"}, {"run", "x"}}, {{"run", "y"}}})), "$.steps[1]",
                   "this step's default name 'step-2' (it has no name) is already used by $.steps[0]");
  CHECK_SPEC_ERROR(error_of(with_steps({{{"run", "x"}}, {{"name", "step-1"}, {"run", "y"}}})), "$.steps[1].name",
                   "already used by $.steps[0] (as its default name)");
}

TEST_CASE("a step name follows the job name rules", "[job][parser]") {
  CHECK_SPEC_ERROR(error_of(with_steps({{{"name", ""}, {"run", "x"}}})), "$.steps[0].name",
                   "expected a non-empty string of at most 128 characters");
  CHECK_SPEC_ERROR(error_of(with_steps({{{"name", "a\tb"}, {"run", "x"}}})), "$.steps[0].name",
                   "without control characters");
}

TEST_CASE("continue_on_error is a boolean", "[job][parser]") {
  CHECK(parse(with_steps({{{"run", "x"}, {"continue_on_error", true}}})).steps[0].continue_on_error);
  CHECK_SPEC_ERROR(error_of(with_steps({{{"run", "x"}, {"continue_on_error", "yes"}}})), "$.steps[0].continue_on_error",
                   "expected true or false, got a string");
}

TEST_CASE("a step's working_dir is a relative path inside the workspace", "[job][parser]") {
  CHECK(parse(with_steps({{{"run", "x"}, {"working_dir", "sub/dir"}}})).steps[0].working_dir == "sub/dir");
  CHECK(parse(with_steps({{{"run", "x"}, {"working_dir", "..hidden"}}})).steps[0].working_dir == "..hidden");
  CHECK_SPEC_ERROR(error_of(with_steps({{{"run", "x"}, {"working_dir", "/etc"}}})), "$.steps[0].working_dir",
                   "got an absolute path");
  CHECK_SPEC_ERROR(error_of(with_steps({{{"run", "x"}, {"working_dir", "a/../../b"}}})), "$.steps[0].working_dir",
                   "got a path with a '..' component");
  CHECK_SPEC_ERROR(error_of(with_steps({{{"run", "x"}, {"working_dir", ""}}})), "$.steps[0].working_dir",
                   "expected a non-empty string");
}

// --- env and secrets

TEST_CASE("env is an object of string values with valid variable names", "[job][parser]") {
  Json doc = minimal_spec();
  doc["env"] = {{"A", "1"}, {"_b2", ""}};
  const JobSpec spec = parse(doc);
  CHECK(spec.env.at("A") == "1");
  CHECK(spec.env.at("_b2").empty());
  doc["env"] = Json::array();
  CHECK_SPEC_ERROR(error_of(doc), "$.env", "expected an object, got an array");
  doc["env"] = {{"A", 1}};
  CHECK_SPEC_ERROR(error_of(doc), "$.env.A", "expected a string, got the number 1");
  doc["env"] = {{"1A", "x"}};
  CHECK_SPEC_ERROR(error_of(doc), "$.env[\"1A\"]", "invalid variable name '1A'");
  doc["env"] = {{"A-B", "x"}};
  CHECK_SPEC_ERROR(error_of(doc), "$.env.A-B", "invalid variable name 'A-B'");
  doc["env"] = {{"", "x"}};
  CHECK_SPEC_ERROR(error_of(doc), "$.env[\"\"]", "invalid variable name ''");
}

TEST_CASE("secrets are non-empty strings with valid variable names", "[job][parser]") {
  Json doc = minimal_spec();
  doc["secrets"] = {{"TOKEN", "abc"}};
  CHECK(parse(doc).secrets.at("TOKEN") == "abc");
  doc["secrets"] = {{"TOKEN", ""}};
  CHECK_SPEC_ERROR(error_of(doc), "$.secrets.TOKEN", "expected a non-empty string, got an empty string");
  doc["secrets"] = {{"TOKEN", " "}};
  CHECK_SPEC_ERROR(error_of(doc), "$.secrets.TOKEN", "got a blank string");
  doc["secrets"] = {{"my token", "abc"}};
  CHECK_SPEC_ERROR(error_of(doc), "$.secrets[\"my token\"]", "invalid variable name 'my token'");
}

TEST_CASE("an error about a secret never shows its value", "[job][parser]") {
  Json doc = minimal_spec();
  doc["secrets"] = {{"TOKEN", Json::array({"hunter2"})}};
  CHECK_THAT(error_of(doc).what(), !Catch::Matchers::Contains("hunter2"));
  const auto syntax = error_of_text(R"({"secrets": {"TOKEN": "hunter2\q"}})");
  CHECK_THAT(syntax.what(), !Catch::Matchers::Contains("hunter2"));
}

TEST_CASE("a variable may not be both in env and in secrets", "[job][parser]") {
  Json doc = minimal_spec();
  doc["env"] = {{"TOKEN", "x"}};
  doc["secrets"] = {{"TOKEN", "y"}};
  CHECK_SPEC_ERROR(error_of(doc), "$.secrets.TOKEN", "'TOKEN' is also in $.env");
}

TEST_CASE("a step's env follows the env rules and may not override a secret", "[job][parser]") {
  Json doc = with_steps({{{"run", "x"}, {"env", {{"A", "b"}}}}});
  CHECK(parse(doc).steps[0].env.at("A") == "b");
  doc["steps"][0]["env"] = {{"9", "b"}};
  CHECK_SPEC_ERROR(error_of(doc), "$.steps[0].env[\"9\"]", "invalid variable name '9'");
  doc["steps"][0]["env"] = {{"TOKEN", "plain"}};
  doc["secrets"] = {{"TOKEN", "s"}};
  CHECK_SPEC_ERROR(error_of(doc), "$.steps[0].env.TOKEN", "'TOKEN' is a secret of the job");
}

// --- job settings

TEST_CASE("timeout_seconds is an integer between 1 and 604800", "[job][parser]") {
  Json doc = minimal_spec();
  doc["timeout_seconds"] = 600;
  CHECK(parse(doc).timeout == std::chrono::seconds(600));
  doc["timeout_seconds"] = 604800;
  CHECK(parse(doc).timeout == std::chrono::seconds(604800));
  const std::string expected = "expected an integer between 1 and 604800";
  for (const Json &bad : {Json(0), Json(-1), Json(604801), Json("60"), Json(1.5), Json(600.0), Json(1e30),
                          Json(std::uint64_t{18446744073709551615ULL}), Json(nullptr)}) {
    doc["timeout_seconds"] = bad;
    CHECK_SPEC_ERROR(error_of(doc), "$.timeout_seconds", expected);
  }
  doc["timeout_seconds"] = 0;
  CHECK_SPEC_ERROR(error_of(doc), "$.timeout_seconds", "got the number 0");
}

TEST_CASE("cancel_grace_seconds is an integer between 0 and 3600", "[job][parser]") {
  Json doc = minimal_spec();
  doc["cancel_grace_seconds"] = 0;
  CHECK(parse(doc).cancel_grace == std::chrono::milliseconds(0));
  doc["cancel_grace_seconds"] = 3600;
  CHECK(parse(doc).cancel_grace == std::chrono::seconds(3600));
  doc["cancel_grace_seconds"] = 3601;
  CHECK_SPEC_ERROR(error_of(doc), "$.cancel_grace_seconds", "expected an integer between 0 and 3600");
  doc["cancel_grace_seconds"] = -5;
  CHECK_SPEC_ERROR(error_of(doc), "$.cancel_grace_seconds", "got the number -5");
}

TEST_CASE("working_directory is a relative path inside the workspace", "[job][parser]") {
  Json doc = minimal_spec();
  doc["working_directory"] = "src";
  CHECK(parse(doc).working_directory == "src");
  doc["working_directory"] = "/src";
  CHECK_SPEC_ERROR(error_of(doc), "$.working_directory", "got an absolute path");
  doc["working_directory"] = "..";
  CHECK_SPEC_ERROR(error_of(doc), "$.working_directory", "'..' component");
}

TEST_CASE("workspace_cleanup is always, on_success or never", "[job][parser]") {
  Json doc = minimal_spec();
  doc["workspace_cleanup"] = "always";
  CHECK(parse(doc).workspace_cleanup == WorkspaceCleanup::always);
  doc["workspace_cleanup"] = "on_success";
  CHECK(parse(doc).workspace_cleanup == WorkspaceCleanup::on_success);
  doc["workspace_cleanup"] = "never";
  CHECK(parse(doc).workspace_cleanup == WorkspaceCleanup::never);
  doc["workspace_cleanup"] = "on-success";
  CHECK_SPEC_ERROR(error_of(doc), "$.workspace_cleanup",
                   "expected one of 'always', 'on_success', 'never' (did you mean 'on_success'?)");
  doc["workspace_cleanup"] = true;
  CHECK_SPEC_ERROR(error_of(doc), "$.workspace_cleanup", "expected one of 'always', 'on_success', 'never', got true");
}

// --- artifacts

TEST_CASE("artifacts is an object of inputs and outputs arrays", "[job][parser]") {
  CHECK_SPEC_ERROR(error_of(with_artifacts(Json::array())), "$.artifacts", "expected an object, got an array");
  CHECK_SPEC_ERROR(error_of(with_artifacts({{"inputs", Json::object()}})), "$.artifacts.inputs",
                   "expected an array of at most 1000 elements, got an object");
  CHECK_SPEC_ERROR(error_of(with_artifacts({{"outputs", "dist"}})), "$.artifacts.outputs",
                   "expected an array of at most 1000 elements, got a string");
  const JobSpec empty = parse(with_artifacts({{"inputs", Json::array()}, {"outputs", Json::array()}}));
  CHECK(empty.inputs.empty());
  CHECK(empty.outputs.empty());
}

TEST_CASE("an input needs a URI with a scheme and a relative destination path", "[job][parser]") {
  const JobSpec spec = parse(with_input({{"uri", "s3://bucket/deps.tar"}, {"path", "deps/deps.tar"}}));
  REQUIRE(spec.inputs.size() == 1);
  CHECK(spec.inputs[0].uri == "s3://bucket/deps.tar");
  CHECK(spec.inputs[0].path == "deps/deps.tar");
  CHECK_FALSE(spec.inputs[0].sha256.has_value());
  CHECK_SPEC_ERROR(error_of(with_input({{"path", "a"}})), "$.artifacts.inputs[0].uri", "missing required field 'uri'");
  CHECK_SPEC_ERROR(error_of(with_input({{"uri", "s3://b/k"}})), "$.artifacts.inputs[0].path",
                   "missing required field 'path'");
  for (const char *bad : {"bucket/deps.tar", "://bucket", "s3://", "3s://b/k", "s 3://b/k"}) {
    CHECK_SPEC_ERROR(error_of(with_input({{"uri", bad}, {"path", "a"}})), "$.artifacts.inputs[0].uri",
                     "expected a URI with a scheme");
  }
  CHECK_SPEC_ERROR(error_of(with_input({{"uri", "s3://b/k"}, {"path", "/tmp/k"}})), "$.artifacts.inputs[0].path",
                   "got an absolute path");
  CHECK_SPEC_ERROR(error_of(with_input({{"uri", "s3://b/k"}, {"path", "../k"}})), "$.artifacts.inputs[0].path",
                   "'..' component");
  CHECK_SPEC_ERROR(error_of(with_input({{"uri", "s3://b/k"}, {"path", ""}})), "$.artifacts.inputs[0].path",
                   "expected a non-empty string");
}

TEST_CASE("an input's sha256 is 64 hex digits, stored in lowercase", "[job][parser]") {
  const std::string upper(64, 'A');
  const JobSpec spec = parse(with_input({{"uri", "s3://b/k"}, {"path", "k"}, {"sha256", upper}}));
  CHECK(spec.inputs.at(0).sha256 == std::string(64, 'a'));
  for (const std::string &bad : {std::string(63, 'a'), std::string(65, 'a'), std::string(63, 'a') + "g"}) {
    CHECK_SPEC_ERROR(error_of(with_input({{"uri", "s3://b/k"}, {"path", "k"}, {"sha256", bad}})),
                     "$.artifacts.inputs[0].sha256", "expected a SHA-256 digest of exactly 64 hexadecimal digits");
  }
}

TEST_CASE("two inputs may not write the same destination", "[job][parser]") {
  const Json input = {{"uri", "s3://b/k"}, {"path", "deps/k"}};
  CHECK_SPEC_ERROR(error_of(with_artifacts({{"inputs", {input, input}}})), "$.artifacts.inputs[1].path",
                   "destination 'deps/k' is already used by $.artifacts.inputs[0]");
}

TEST_CASE("an output needs a relative glob and a URI with a scheme", "[job][parser]") {
  const JobSpec spec = parse(with_output({{"path", "dist/*.tar.gz"}, {"uri", "s3://bucket/builds/"}}));
  REQUIRE(spec.outputs.size() == 1);
  CHECK(spec.outputs[0].path == "dist/*.tar.gz");
  CHECK(spec.outputs[0].uri == "s3://bucket/builds/");
  CHECK_FALSE(spec.outputs[0].on_failure);
  CHECK_SPEC_ERROR(error_of(with_output({{"uri", "s3://b/"}})), "$.artifacts.outputs[0].path",
                   "missing required field 'path'");
  CHECK_SPEC_ERROR(error_of(with_output({{"path", "a"}})), "$.artifacts.outputs[0].uri",
                   "missing required field 'uri'");
  CHECK_SPEC_ERROR(error_of(with_output({{"path", "/var/*.log"}, {"uri", "s3://b/"}})), "$.artifacts.outputs[0].path",
                   "got an absolute path");
  CHECK_SPEC_ERROR(error_of(with_output({{"path", "dist/../../*"}, {"uri", "s3://b/"}})), "$.artifacts.outputs[0].path",
                   "'..' component");
  CHECK_SPEC_ERROR(error_of(with_output({{"path", "a"}, {"uri", "/srv/out"}})), "$.artifacts.outputs[0].uri",
                   "expected a URI with a scheme");
  CHECK_SPEC_ERROR(error_of(with_output({{"path", "a"}, {"uri", "s3://b/"}, {"on_failure", 1}})),
                   "$.artifacts.outputs[0].on_failure", "expected true or false, got the number 1");
}

// --- executor options

TEST_CASE("the job's own executor's options are kept as compact JSON", "[job][parser]") {
  Json doc = minimal_spec();
  doc["executor"] = "docker";
  doc["docker"] = {{"image", "debian:bookworm"}, {"pull", "if-not-present"}, {"mounts", {{{"src", "a"}}}}};
  const JobSpec spec = parse(doc);
  REQUIRE(spec.executor_options.size() == 1);
  CHECK(spec.executor_options.at("docker") == doc["docker"].dump());
  CHECK(Json::parse(spec.executor_options.at("docker")) == doc["docker"]);
}

TEST_CASE("options are keyed by the short name of a plugin-id executor", "[job][parser]") {
  Json doc = minimal_spec();
  doc["executor"] = "dev.hodei.executor.docker";
  doc["docker"] = {{"image", "alpine"}};
  CHECK(parse(doc).executor_options.at("docker") == R"({"image":"alpine"})");
}

TEST_CASE("options of another known executor are accepted", "[job][parser]") {
  ParseOptions options;
  options.executor_names = {"shell", "docker"};
  Json doc = minimal_spec();
  doc["docker"] = {{"image", "alpine"}};
  doc["shell"] = Json::object();
  const JobSpec spec = parse(doc, options);
  CHECK(spec.executor_options.at("docker") == R"({"image":"alpine"})");
  CHECK(spec.executor_options.at("shell") == "{}");
}

TEST_CASE("the job's own executor's options are accepted when executor_names omits it", "[job][parser]") {
  ParseOptions options;
  options.executor_names = {"docker"};
  Json doc = minimal_spec();
  doc["shell"] = {{"login", true}};
  CHECK(parse(doc, options).executor_options.at("shell") == R"({"login":true})");
}

TEST_CASE("plugin ids in executor_names count as their short names", "[job][parser]") {
  ParseOptions options;
  options.executor_names = {"dev.hodei.executor.docker"};
  Json doc = minimal_spec();
  doc["docker"] = {{"image", "alpine"}};
  CHECK(parse(doc, options).executor_options.at("docker") == R"({"image":"alpine"})");
}

TEST_CASE("options of an executor the worker does not know are an unknown field", "[job][parser]") {
  Json doc = minimal_spec();
  doc["docker"] = {{"image", "alpine"}};
  CHECK_SPEC_ERROR(error_of(doc), "$.docker", "unknown field 'docker'");
  ParseOptions options;
  options.executor_names = {"shell", "docker"};
  doc["dokcer"] = doc["docker"];
  doc.erase("docker");
  CHECK_SPEC_ERROR(error_of(doc, options), "$.dokcer", "unknown field 'dokcer' (did you mean 'docker'?)");
}

TEST_CASE("executor options must be an object", "[job][parser]") {
  Json doc = minimal_spec();
  doc["shell"] = "bash";
  CHECK_SPEC_ERROR(error_of(doc), "$.shell", "expected an object (the options of the 'shell' executor), got a string");
  ParseOptions options;
  options.executor_names = {"docker"};
  doc.erase("shell");
  doc["docker"] = Json::array();
  CHECK_SPEC_ERROR(error_of(doc, options), "$.docker", "expected an object (the options of the 'docker' executor)");
}
