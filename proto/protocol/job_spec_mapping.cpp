#include "protocol/job_spec_mapping.hpp"

#include "job/job_spec_parser.hpp"
#include "job/spec_rules.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace hodei::protocol {
namespace {

namespace v1 = hodei::worker::v1;

template <typename ProtoMap> std::map<std::string, std::string> to_std_map(const ProtoMap &map) {
  return {map.begin(), map.end()};
}

template <typename ProtoMap> void fill_proto_map(ProtoMap &out, const std::map<std::string, std::string> &in) {
  for (const auto &[key, value] : in) out[key] = value;
}

v1::WorkspaceCleanup cleanup_to_proto(job::WorkspaceCleanup cleanup) {
  switch (cleanup) {
  case job::WorkspaceCleanup::always:
    return v1::WORKSPACE_CLEANUP_ALWAYS;
  case job::WorkspaceCleanup::on_success:
    return v1::WORKSPACE_CLEANUP_ON_SUCCESS;
  case job::WorkspaceCleanup::never:
    return v1::WORKSPACE_CLEANUP_NEVER;
  }
  return v1::WORKSPACE_CLEANUP_ALWAYS;
}

job::WorkspaceCleanup cleanup_from_proto(int value) {
  switch (value) {
  case v1::WORKSPACE_CLEANUP_UNSPECIFIED:
  case v1::WORKSPACE_CLEANUP_ALWAYS:
    return job::WorkspaceCleanup::always;
  case v1::WORKSPACE_CLEANUP_ON_SUCCESS:
    return job::WorkspaceCleanup::on_success;
  case v1::WORKSPACE_CLEANUP_NEVER:
    return job::WorkspaceCleanup::never;
  default:
    throw SpecMappingError("workspace_cleanup", "unknown value " + std::to_string(value));
  }
}

// NUL cannot pass through environments, argv or file names (a value would be cut short there), so the JSON parser
// refuses it in every string; the proto side must too.
void check_no_nul(const std::string &value, const std::string &field) {
  if (value.find('\0') != std::string::npos) throw SpecMappingError(field, "expected a string without NUL characters");
}

void check_env(const std::map<std::string, std::string> &env, const std::string &field) {
  for (const auto &[name, value] : env) {
    if (!job::is_env_name(name)) {
      throw SpecMappingError(field + "[\"" + name + "\"]", "expected a variable name ([A-Za-z_][A-Za-z0-9_]*)");
    }
    check_no_nul(value, field + "[\"" + name + "\"]");
  }
}

void check_relative(const std::string &path, const std::string &field, bool allow_empty) {
  if (path.empty() && allow_empty) return;
  if (job::is_blank(path)) throw SpecMappingError(field, "expected a non-empty path");
  if (auto problem = job::relative_path_problem(path)) throw SpecMappingError(field, *problem);
}

void check_uri(const std::string &uri, const std::string &field) {
  if (!job::has_uri_scheme(uri)) throw SpecMappingError(field, "expected a URI with a scheme (\"s3://...\")");
  check_no_nul(uri, field);
}

// Job and step names: 1..kMaxNameChars characters (not bytes) on one line, not blank, as the JSON parser requires.
void check_name(const std::string &name, const std::string &field) {
  if (job::is_blank(name) || job::utf8_length(name) > job::kMaxNameChars) {
    throw SpecMappingError(field, "expected a name of 1 to " + std::to_string(job::kMaxNameChars) + " characters");
  }
  if (job::has_control_characters(name)) {
    throw SpecMappingError(field, "expected a single-line name without control characters");
  }
}

void check_count(int count, std::size_t max, const std::string &field) {
  if (static_cast<std::size_t>(count) > max) {
    throw SpecMappingError(field, "more than the limit of " + std::to_string(max) + " entries");
  }
}

std::vector<job::Step> steps_from_proto(const v1::JobSpec &spec, const std::map<std::string, std::string> &secrets) {
  if (spec.steps().empty()) throw SpecMappingError("steps", "expected at least one step");
  check_count(spec.steps_size(), job::kMaxSteps, "steps");
  std::vector<job::Step> steps;
  std::set<std::string> names;
  for (int i = 0; i < spec.steps_size(); ++i) {
    const v1::Step &in = spec.steps(i);
    const std::string field = "steps[" + std::to_string(i) + "]";
    check_name(in.name(), field + ".name");
    if (!names.insert(in.name()).second) {
      throw SpecMappingError(field + ".name", "duplicate step name \"" + in.name() + "\"");
    }
    if (job::is_blank(in.run())) throw SpecMappingError(field + ".run", "expected a non-empty script");
    check_no_nul(in.run(), field + ".run");
    job::Step step;
    step.name = in.name();
    step.run = in.run();
    step.continue_on_error = in.continue_on_error();
    step.env = to_std_map(in.env());
    check_env(step.env, field + ".env");
    for (const auto &[name, value] : step.env) {
      if (secrets.count(name) > 0) {
        throw SpecMappingError(field + ".env[\"" + name + "\"]", "a secret of the job may not be overridden by a step");
      }
    }
    step.working_dir = in.working_dir();
    check_relative(step.working_dir, field + ".working_dir", true);
    steps.push_back(std::move(step));
  }
  return steps;
}

std::vector<job::ArtifactInput> inputs_from_proto(const v1::JobSpec &spec) {
  check_count(spec.inputs_size(), job::kMaxArtifacts, "inputs");
  std::vector<job::ArtifactInput> inputs;
  std::map<std::string, std::string> destinations; // path -> the input that writes it (unique, as in JSON)
  for (int i = 0; i < spec.inputs_size(); ++i) {
    const v1::ArtifactInput &in = spec.inputs(i);
    const std::string field = "inputs[" + std::to_string(i) + "]";
    job::ArtifactInput input;
    input.uri = in.uri();
    check_uri(input.uri, field + ".uri");
    if (in.has_sha256()) {
      if (!job::is_sha256_hex(in.sha256())) throw SpecMappingError(field + ".sha256", "expected 64 hex digits");
      input.sha256 = job::to_lower_ascii(in.sha256());
    }
    input.path = in.path();
    check_relative(input.path, field + ".path", false);
    if (!destinations.emplace(input.path, field).second) {
      throw SpecMappingError(field + ".path",
                             "destination \"" + input.path + "\" is already used by " + destinations[input.path]);
    }
    inputs.push_back(std::move(input));
  }
  return inputs;
}

std::vector<job::ArtifactOutput> outputs_from_proto(const v1::JobSpec &spec) {
  check_count(spec.outputs_size(), job::kMaxArtifacts, "outputs");
  std::vector<job::ArtifactOutput> outputs;
  for (int i = 0; i < spec.outputs_size(); ++i) {
    const v1::ArtifactOutput &in = spec.outputs(i);
    const std::string field = "outputs[" + std::to_string(i) + "]";
    job::ArtifactOutput output;
    output.path = in.path();
    check_relative(output.path, field + ".path", false);
    output.uri = in.uri();
    check_uri(output.uri, field + ".uri");
    output.on_failure = in.on_failure();
    outputs.push_back(std::move(output));
  }
  return outputs;
}

std::map<std::string, std::string> executor_options_from_proto(const v1::JobSpec &spec) {
  std::map<std::string, std::string> options = to_std_map(spec.executor_options_json());
  for (const auto &[executor, text] : options) {
    const std::string field = "executor_options_json[\"" + executor + "\"]";
    if (!job::is_executor_options_key(executor)) {
      throw SpecMappingError(field, "expected an executor short name (\"docker\") that is not a job spec field");
    }
    const nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_object()) throw SpecMappingError(field, "expected a JSON object text");
  }
  return options;
}

} // namespace

worker::v1::JobSpec to_proto(const job::JobSpec &spec) {
  v1::JobSpec out;
  out.set_name(spec.name);
  out.set_executor(spec.executor);
  fill_proto_map(*out.mutable_env(), spec.env);
  fill_proto_map(*out.mutable_secrets(), spec.secrets);
  if (spec.timeout) out.set_timeout_seconds(static_cast<uint64_t>(spec.timeout->count()));
  out.set_cancel_grace_ms(static_cast<uint64_t>(spec.cancel_grace.count()));
  out.set_working_directory(spec.working_directory);
  out.set_workspace_cleanup(cleanup_to_proto(spec.workspace_cleanup));
  for (const job::Step &step : spec.steps) {
    v1::Step &s = *out.add_steps();
    s.set_name(step.name);
    s.set_run(step.run);
    s.set_continue_on_error(step.continue_on_error);
    fill_proto_map(*s.mutable_env(), step.env);
    s.set_working_dir(step.working_dir);
  }
  for (const job::ArtifactInput &input : spec.inputs) {
    v1::ArtifactInput &a = *out.add_inputs();
    a.set_uri(input.uri);
    if (input.sha256) a.set_sha256(*input.sha256);
    a.set_path(input.path);
  }
  for (const job::ArtifactOutput &output : spec.outputs) {
    v1::ArtifactOutput &a = *out.add_outputs();
    a.set_path(output.path);
    a.set_uri(output.uri);
    a.set_on_failure(output.on_failure);
  }
  fill_proto_map(*out.mutable_executor_options_json(), spec.executor_options);
  return out;
}

job::JobSpec from_proto(const worker::v1::JobSpec &spec) {
  job::JobSpec out;
  out.name = spec.name();
  check_name(out.name, "name");
  out.executor = spec.executor();
  if (out.executor.size() > job::kMaxExecutorChars || !job::is_executor_id(out.executor)) {
    throw SpecMappingError("executor", "expected an executor short name or plugin id (\"shell\")");
  }
  out.env = to_std_map(spec.env());
  check_env(out.env, "env");
  out.secrets = to_std_map(spec.secrets());
  check_env(out.secrets, "secrets");
  for (const auto &[name, value] : out.secrets) {
    if (job::is_blank(value)) throw SpecMappingError("secrets[\"" + name + "\"]", "expected a non-empty secret value");
    if (out.env.contains(name)) {
      throw SpecMappingError("secrets[\"" + name + "\"]", "also in env; a variable is either in env or in secrets");
    }
  }
  if (spec.has_timeout_seconds()) {
    const uint64_t seconds = spec.timeout_seconds();
    if (seconds == 0 || seconds > static_cast<uint64_t>(job::kMaxTimeoutSeconds)) {
      throw SpecMappingError("timeout_seconds",
                             "expected 1 to " + std::to_string(job::kMaxTimeoutSeconds) + " seconds");
    }
    out.timeout = std::chrono::seconds(static_cast<std::chrono::seconds::rep>(seconds));
  }
  if (spec.has_cancel_grace_ms()) {
    const uint64_t max_ms = static_cast<uint64_t>(job::kMaxCancelGraceSeconds) * 1000;
    if (spec.cancel_grace_ms() > max_ms) {
      throw SpecMappingError("cancel_grace_ms", "expected at most " + std::to_string(max_ms) + " ms");
    }
    out.cancel_grace = std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(spec.cancel_grace_ms()));
  }
  out.working_directory = spec.working_directory();
  check_relative(out.working_directory, "working_directory", true);
  out.workspace_cleanup = cleanup_from_proto(spec.workspace_cleanup());
  out.steps = steps_from_proto(spec, out.secrets);
  out.inputs = inputs_from_proto(spec);
  out.outputs = outputs_from_proto(spec);
  out.executor_options = executor_options_from_proto(spec);
  return out;
}

} // namespace hodei::protocol
