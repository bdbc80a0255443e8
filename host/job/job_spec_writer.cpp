#include "job_spec_writer.hpp"

#include <nlohmann/json.hpp>

namespace hodei::job {
namespace {

using Json = nlohmann::ordered_json;

Json to_json(const std::map<std::string, std::string> &variables) {
  Json object = Json::object();
  for (const auto &[key, value] : variables) object[key] = value;
  return object;
}

Json to_json(const Step &step) {
  Json out = {{"name", step.name}, {"run", step.run}};
  if (step.continue_on_error) out["continue_on_error"] = true;
  if (!step.env.empty()) out["env"] = to_json(step.env);
  if (!step.working_dir.empty()) out["working_dir"] = step.working_dir;
  return out;
}

Json to_json(const ArtifactInput &input) {
  Json out = {{"uri", input.uri}};
  if (input.sha256) out["sha256"] = *input.sha256;
  out["path"] = input.path;
  return out;
}

Json to_json(const ArtifactOutput &output) {
  Json out = {{"path", output.path}, {"uri", output.uri}};
  if (output.on_failure) out["on_failure"] = true;
  return out;
}

template <typename T> Json array_of(const std::vector<T> &items) {
  Json array = Json::array();
  for (const T &item : items) array.push_back(to_json(item));
  return array;
}

Json artifacts_json(const JobSpec &spec) {
  Json artifacts = Json::object();
  if (!spec.inputs.empty()) artifacts["inputs"] = array_of(spec.inputs);
  if (!spec.outputs.empty()) artifacts["outputs"] = array_of(spec.outputs);
  return artifacts;
}

} // namespace

std::string job_spec_to_json(const JobSpec &spec, int indent) {
  Json out = {{"name", spec.name}, {"executor", spec.executor}};
  if (!spec.env.empty()) out["env"] = to_json(spec.env);
  if (!spec.secrets.empty()) out["secrets"] = to_json(spec.secrets);
  if (spec.timeout) out["timeout_seconds"] = spec.timeout->count();
  out["cancel_grace_seconds"] = std::chrono::duration_cast<std::chrono::seconds>(spec.cancel_grace).count();
  if (!spec.working_directory.empty()) out["working_directory"] = spec.working_directory;
  out["workspace_cleanup"] = std::string(to_string(spec.workspace_cleanup));
  out["steps"] = array_of(spec.steps);
  if (!spec.inputs.empty() || !spec.outputs.empty()) out["artifacts"] = artifacts_json(spec);
  for (const auto &[executor, options] : spec.executor_options) out[executor] = Json::parse(options);
  return out.dump(indent);
}

} // namespace hodei::job
