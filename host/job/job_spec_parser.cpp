#include "job_spec_parser.hpp"

#include "json_document.hpp"
#include "json_path.hpp"
#include "json_reader.hpp"
#include "spec_rules.hpp"

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <map>
#include <system_error>
#include <utility>
#include <vector>

namespace hodei::job {
namespace {

using Variables = std::map<std::string, std::string>;

// The fields each object may have (function-local statics: built on first use, not at load time).
using Names = std::vector<std::string>;
const Names &job_fields() { return job_field_names(); }
const Names &step_fields() {
  static const Names names = {"continue_on_error", "env", "name", "run", "working_dir"};
  return names;
}
const Names &artifact_fields() {
  static const Names names = {"inputs", "outputs"};
  return names;
}
const Names &input_fields() {
  static const Names names = {"path", "sha256", "uri"};
  return names;
}
const Names &output_fields() {
  static const Names names = {"on_failure", "path", "uri"};
  return names;
}
const Names &cleanup_choices() {
  static const Names names = {"always", "on_success", "never"};
  return names;
}

bool is_job_field(const std::string &key) {
  const Names &fields = job_fields();
  return std::find(fields.begin(), fields.end(), key) != fields.end();
}

// --- values

std::string read_name(const JsonReader &reader) {
  std::string name = reader.non_empty_string(kMaxNameChars);
  if (has_control_characters(name)) reader.fail("expected a single-line name without control characters");
  return name;
}

std::string read_executor(const JsonReader &reader) {
  std::string executor = reader.non_empty_string(kMaxExecutorChars);
  if (!is_executor_id(executor)) {
    reader.fail("expected an executor short name or plugin id such as 'shell' or 'dev.hodei.executor.shell' "
                "(dot-separated words of letters, digits, '_' and '-')");
  }
  return executor;
}

std::string read_relative_path(const JsonReader &reader) {
  std::string path = reader.non_empty_string();
  if (const auto problem = relative_path_problem(path)) reader.fail(*problem);
  return path;
}

std::string read_uri(const JsonReader &reader) {
  std::string uri = reader.non_empty_string();
  if (!has_uri_scheme(uri)) {
    reader.fail("expected a URI with a scheme, such as 's3://bucket/key' or 'file:///srv/cache/deps.tar'");
  }
  return uri;
}

std::string read_sha256(const JsonReader &reader) {
  const std::string digest = reader.string();
  if (!is_sha256_hex(digest)) reader.fail("expected a SHA-256 digest of exactly 64 hexadecimal digits");
  return to_lower_ascii(digest);
}

// env (values may be empty) or secrets (values must not be blank: they are masked in all output).
Variables read_variables(const JsonReader &reader, bool secret) {
  Variables variables;
  for (const auto &[key, value] : reader.members()) {
    if (!is_env_name(key)) {
      value.fail("invalid variable name " + quote_for_message(key) +
                 "; expected a name of letters, digits and '_' that does not start with a digit");
    }
    variables.emplace(key, secret ? value.non_empty_string() : value.string());
  }
  return variables;
}

// --- steps

void reject_secret_overrides(const JsonReader &env_reader, const Variables &env, const Variables &secrets) {
  for (const auto &[key, value] : env) {
    if (secrets.contains(key)) {
      throw JsonReadError(json_path_member(env_reader.path(), key),
                          quote_for_message(key) +
                              " is a secret of the job ($.secrets); a step's env may not override it");
    }
  }
}

Step read_step(const JsonReader &reader, std::size_t index, const Variables &secrets) {
  reader.reject_unknown_keys(step_fields());
  Step step;
  if (const auto name = reader.optional("name")) {
    step.name = read_name(*name);
  } else {
    step.name = "step-" + std::to_string(index + 1);
  }
  step.run = reader.required("run").non_empty_string();
  if (const auto flag = reader.optional("continue_on_error")) step.continue_on_error = flag->boolean();
  if (const auto env = reader.optional("env")) {
    step.env = read_variables(*env, false);
    reject_secret_overrides(*env, step.env, secrets);
  }
  if (const auto dir = reader.optional("working_dir")) step.working_dir = read_relative_path(*dir);
  return step;
}

// Names are unique; a default name ("step-3") counts too, so it must not clash with an explicit one.
void check_step_name_unique(const JsonReader &reader, const Step &step, std::map<std::string, std::string> &seen) {
  const bool explicit_name = reader.optional("name").has_value();
  const std::string owner = explicit_name ? reader.path() : reader.path() + " (as its default name)";
  const auto [it, inserted] = seen.emplace(step.name, owner);
  if (inserted) return;
  const std::string where = explicit_name ? json_path_member(reader.path(), "name") : reader.path();
  const std::string what = explicit_name
                               ? "step name " + quote_for_message(step.name)
                               : "this step's default name " + quote_for_message(step.name) + " (it has no name)";
  throw JsonReadError(where, what + " is already used by " + it->second + "; step names must be unique");
}

std::vector<Step> read_steps(const JsonReader &reader, const Variables &secrets) {
  std::vector<Step> steps;
  std::map<std::string, std::string> seen; // name -> path of the step that has it
  const std::vector<JsonReader> elements = reader.elements(1, kMaxSteps);
  for (std::size_t i = 0; i < elements.size(); ++i) {
    steps.push_back(read_step(elements[i], i, secrets));
    check_step_name_unique(elements[i], steps.back(), seen);
  }
  return steps;
}

// --- artifacts

ArtifactInput read_input(const JsonReader &reader) {
  reader.reject_unknown_keys(input_fields());
  ArtifactInput input;
  input.uri = read_uri(reader.required("uri"));
  if (const auto digest = reader.optional("sha256")) input.sha256 = read_sha256(*digest);
  input.path = read_relative_path(reader.required("path"));
  return input;
}

std::vector<ArtifactInput> read_inputs(const JsonReader &reader) {
  std::vector<ArtifactInput> inputs;
  std::map<std::string, std::string> destinations; // path -> JSON path of the input that writes it
  for (const JsonReader &element : reader.elements(0, kMaxArtifacts)) {
    inputs.push_back(read_input(element));
    const auto [it, inserted] = destinations.emplace(inputs.back().path, element.path());
    if (!inserted) {
      throw JsonReadError(json_path_member(element.path(), "path"),
                          "destination " + quote_for_message(inputs.back().path) + " is already used by " + it->second);
    }
  }
  return inputs;
}

ArtifactOutput read_output(const JsonReader &reader) {
  reader.reject_unknown_keys(output_fields());
  ArtifactOutput output;
  output.path = read_relative_path(reader.required("path"));
  output.uri = read_uri(reader.required("uri"));
  if (const auto flag = reader.optional("on_failure")) output.on_failure = flag->boolean();
  return output;
}

void read_artifacts(const JsonReader &reader, JobSpec &spec) {
  reader.reject_unknown_keys(artifact_fields());
  if (const auto inputs = reader.optional("inputs")) spec.inputs = read_inputs(*inputs);
  if (const auto outputs = reader.optional("outputs")) {
    for (const JsonReader &element : outputs->elements(0, kMaxArtifacts)) spec.outputs.push_back(read_output(element));
  }
}

// --- the job object

// Keys that may hold executor options: the known executors and the job's own executor (peeked at before it is
// validated, so that a misspelt field is reported as such rather than as a missing one).
std::vector<std::string> executor_option_keys(const JsonReader &root, const ParseOptions &options) {
  std::set<std::string> keys;
  for (const std::string &name : options.executor_names) keys.insert(executor_short_name(name)); // ids tolerated
  const auto executor = root.value().find("executor");
  if (executor != root.value().end() && executor->is_string()) {
    const std::string short_name = executor_short_name(executor->get<std::string>());
    if (!short_name.empty()) keys.insert(short_name);
  }
  return {keys.begin(), keys.end()};
}

void reject_unknown_job_keys(const JsonReader &root, const std::vector<std::string> &option_keys) {
  Names allowed = job_fields();
  allowed.insert(allowed.end(), option_keys.begin(), option_keys.end());
  std::sort(allowed.begin(), allowed.end());
  allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
  root.reject_unknown_keys(allowed);
}

void read_executor_options(const JsonReader &root, JobSpec &spec) {
  for (const auto &[key, value] : root.members()) {
    if (is_job_field(key)) continue; // everything else was checked to be an executor's short name
    if (!value.value().is_object()) {
      value.fail("expected an object (the options of the " + quote_for_message(key) + " executor), got " +
                 describe_json_value(value.value()));
    }
    spec.executor_options.emplace(key, value.compact_text());
  }
}

void reject_secrets_in_env(const JsonReader &root, const JobSpec &spec) {
  for (const auto &[key, value] : spec.secrets) {
    if (spec.env.contains(key)) {
      throw JsonReadError(json_path_member(json_path_member(root.path(), "secrets"), key),
                          quote_for_message(key) +
                              " is also in $.env; a variable is either in env or in secrets, not both");
    }
  }
}

void read_job_settings(const JsonReader &root, JobSpec &spec) {
  if (const auto timeout = root.optional("timeout_seconds")) {
    spec.timeout = std::chrono::seconds(timeout->integer(1, kMaxTimeoutSeconds));
  }
  if (const auto grace = root.optional("cancel_grace_seconds")) {
    spec.cancel_grace = std::chrono::seconds(grace->integer(0, kMaxCancelGraceSeconds));
  }
  if (const auto dir = root.optional("working_directory")) spec.working_directory = read_relative_path(*dir);
  if (const auto cleanup = root.optional("workspace_cleanup")) {
    spec.workspace_cleanup = *workspace_cleanup_from_string(cleanup->one_of(cleanup_choices()));
  }
}

JobSpec read_job_spec(const JsonReader &root, const ParseOptions &options) {
  root.expect_object();
  reject_unknown_job_keys(root, executor_option_keys(root, options));
  JobSpec spec;
  spec.name = read_name(root.required("name"));
  spec.executor = read_executor(root.required("executor"));
  if (const auto env = root.optional("env")) spec.env = read_variables(*env, false);
  if (const auto secrets = root.optional("secrets")) spec.secrets = read_variables(*secrets, true);
  reject_secrets_in_env(root, spec);
  read_job_settings(root, spec);
  spec.steps = read_steps(root.required("steps"), spec.secrets);
  if (const auto artifacts = root.optional("artifacts")) read_artifacts(*artifacts, spec);
  read_executor_options(root, spec);
  return spec;
}

// --- files

[[noreturn]] void fail_file(const std::string &source, const std::string &problem) {
  throw SpecError(source + ": cannot read job spec: " + problem, "");
}

std::string read_file_text(const std::filesystem::path &file, const std::string &source) {
  std::error_code error;
  if (std::filesystem::is_directory(file, error)) fail_file(source, "is a directory");
  errno = 0;
  std::ifstream in(file, std::ios::binary);
  if (!in) fail_file(source, errno != 0 ? std::generic_category().message(errno) : "cannot open the file");
  std::string text;
  std::vector<char> buffer(std::size_t{64} * 1024);
  while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
    text.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxSpecBytes) {
      throw SpecError(
          source + ": $: input too large: more than the limit of " + std::to_string(kMaxSpecBytes) + " bytes", "$");
    }
  }
  if (in.bad()) fail_file(source, "read error");
  return text;
}

} // namespace

std::string executor_short_name(const std::string &executor) {
  const std::size_t dot = executor.rfind('.');
  return dot == std::string::npos ? executor : executor.substr(dot + 1);
}

JobSpec parse_job_spec(std::string_view json_text, const ParseOptions &options) {
  try {
    const nlohmann::json document =
        parse_json_document(json_text, JsonLimits{.max_bytes = kMaxSpecBytes, .max_depth = kMaxSpecDepth});
    return read_job_spec(JsonReader(document), options);
  } catch (const JsonReadError &error) {
    throw SpecError(format_json_error(options.source_name, error), error.path());
  }
}

JobSpec load_job_spec_file(const std::filesystem::path &file, const ParseOptions &options) {
  ParseOptions file_options = options;
  if (file_options.source_name == ParseOptions{}.source_name) file_options.source_name = file.string();
  return parse_job_spec(read_file_text(file, file_options.source_name), file_options);
}

} // namespace hodei::job
