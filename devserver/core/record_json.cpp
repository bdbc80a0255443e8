#include "devserver/core/record_json.hpp"

namespace hodei::devserver {
namespace {

using nlohmann::json;

template <typename T> void put_optional(json &out, const char *key, const std::optional<T> &value) {
  if (value) out[key] = *value;
}

template <typename T> std::optional<T> get_optional(const json &in, const char *key) {
  const auto it = in.find(key);
  if (it == in.end() || it->is_null()) return std::nullopt;
  return it->get<T>();
}

template <typename Enum, typename Parse> Enum get_enum(const json &in, const char *key, Parse parse) {
  const std::string text = in.at(key).get<std::string>();
  if (auto value = parse(text)) return *value;
  throw RecordFormatError(std::string("unknown ") + key + " \"" + text + "\"");
}

void check_format(const json &in) {
  if (!in.is_object()) throw RecordFormatError("expected a JSON object");
  const int format = in.value("format", 0);
  if (format != kRecordFormat) {
    throw RecordFormatError("unsupported record format " + std::to_string(format) + " (this build reads " +
                            std::to_string(kRecordFormat) + ")");
  }
}

json step_to_json(const StepResult &step) {
  json out{{"index", step.index},
           {"name", step.name},
           {"outcome", to_string(step.outcome)},
           {"started_unix_ms", step.started_unix_ms},
           {"duration_ms", step.duration_ms},
           {"oom_killed", step.oom_killed}};
  put_optional(out, "exit_code", step.exit_code);
  put_optional(out, "signal", step.signal);
  return out;
}

StepResult step_from_json(const json &in) {
  StepResult step;
  step.index = in.at("index").get<uint32_t>();
  step.name = in.at("name").get<std::string>();
  step.outcome = get_enum<StepOutcome>(in, "outcome", step_outcome_from_string);
  step.exit_code = get_optional<int32_t>(in, "exit_code");
  step.signal = get_optional<int32_t>(in, "signal");
  step.started_unix_ms = in.value("started_unix_ms", int64_t{0});
  step.duration_ms = in.value("duration_ms", int64_t{0});
  step.oom_killed = in.value("oom_killed", false);
  return step;
}

json artifact_to_json(const ArtifactResult &artifact) {
  return json{{"direction", artifact.output ? "output" : "input"},
              {"path", artifact.path},
              {"uri", artifact.uri},
              {"size_bytes", artifact.size_bytes},
              {"sha256", artifact.sha256}};
}

ArtifactResult artifact_from_json(const json &in) {
  ArtifactResult artifact;
  artifact.output = in.at("direction").get<std::string>() == "output";
  artifact.path = in.value("path", "");
  artifact.uri = in.value("uri", "");
  artifact.size_bytes = in.value("size_bytes", uint64_t{0});
  artifact.sha256 = in.value("sha256", "");
  return artifact;
}

json result_to_json(const JobResult &result) {
  json out{{"outcome", to_string(result.outcome)},
           {"message", result.message},
           {"started_unix_ms", result.started_unix_ms},
           {"finished_unix_ms", result.finished_unix_ms}};
  put_optional(out, "exit_code", result.exit_code);
  put_optional(out, "signal", result.signal);
  json steps = json::array();
  for (const StepResult &step : result.steps) steps.push_back(step_to_json(step));
  out["steps"] = std::move(steps);
  json artifacts = json::array();
  for (const ArtifactResult &artifact : result.artifacts) artifacts.push_back(artifact_to_json(artifact));
  out["artifacts"] = std::move(artifacts);
  json lengths = json::object();
  for (const auto &[stream, length] : result.log_lengths) lengths[std::string(to_string(stream))] = length;
  out["log_lengths"] = std::move(lengths);
  return out;
}

JobResult result_from_json(const json &in) {
  JobResult result;
  result.outcome = get_enum<Outcome>(in, "outcome", outcome_from_string);
  result.exit_code = get_optional<int32_t>(in, "exit_code");
  result.signal = get_optional<int32_t>(in, "signal");
  result.message = in.value("message", "");
  result.started_unix_ms = in.value("started_unix_ms", int64_t{0});
  result.finished_unix_ms = in.value("finished_unix_ms", int64_t{0});
  for (const json &step : in.value("steps", json::array())) result.steps.push_back(step_from_json(step));
  for (const json &artifact : in.value("artifacts", json::array())) {
    result.artifacts.push_back(artifact_from_json(artifact));
  }
  const json lengths = in.value("log_lengths", json::object()); // a named object: items() refers to it
  for (const auto &[name, length] : lengths.items()) {
    const auto stream = log_stream_from_string(name);
    if (!stream) throw RecordFormatError("unknown log stream \"" + name + "\"");
    result.log_lengths[*stream] = length.get<uint64_t>();
  }
  return result;
}

json transition_to_json(const Transition &transition) {
  json out{{"state", to_string(transition.state)},
           {"at_unix_ms", transition.at_unix_ms},
           {"lease_epoch", transition.lease_epoch},
           {"message", transition.message}};
  put_optional(out, "step_index", transition.step_index);
  return out;
}

Transition transition_from_json(const json &in) {
  Transition transition;
  transition.state = get_enum<JobState>(in, "state", job_state_from_string);
  transition.at_unix_ms = in.value("at_unix_ms", int64_t{0});
  transition.lease_epoch = in.value("lease_epoch", uint64_t{0});
  transition.step_index = get_optional<uint32_t>(in, "step_index");
  transition.message = in.value("message", "");
  return transition;
}

json plugin_to_json(const PluginRecord &plugin) {
  return json{{"id", plugin.id},
              {"short_name", plugin.short_name},
              {"version", plugin.version},
              {"capabilities", plugin.capabilities},
              {"uri_schemes", plugin.uri_schemes},
              {"fingerprint_json", plugin.fingerprint_json},
              {"abi_version", plugin.abi_version}};
}

PluginRecord plugin_from_json(const json &in) {
  PluginRecord plugin;
  plugin.id = in.at("id").get<std::string>();
  plugin.short_name = in.value("short_name", "");
  plugin.version = in.value("version", "");
  plugin.capabilities = in.value("capabilities", uint64_t{0});
  plugin.uri_schemes = in.value("uri_schemes", std::vector<std::string>{});
  plugin.fingerprint_json = in.value("fingerprint_json", "");
  plugin.abi_version = in.value("abi_version", "");
  return plugin;
}

json plugins_to_json(const std::vector<PluginRecord> &plugins) {
  json out = json::array();
  for (const PluginRecord &plugin : plugins) out.push_back(plugin_to_json(plugin));
  return out;
}

std::vector<PluginRecord> plugins_from_json(const json &in) {
  std::vector<PluginRecord> plugins;
  for (const json &plugin : in) plugins.push_back(plugin_from_json(plugin));
  return plugins;
}

} // namespace

nlohmann::json job_record_to_json(const JobRecord &record) {
  json out{{"format", kRecordFormat},
           {"id", record.id},
           {"seq", record.seq},
           {"name", record.name},
           {"executor", record.executor},
           {"spec_json", record.spec_json},
           {"selector", record.selector},
           {"state", to_string(record.state)},
           {"lease_epoch", record.lease_epoch},
           {"worker_id", record.worker_id},
           {"submitted_unix_ms", record.submitted_unix_ms},
           {"updated_unix_ms", record.updated_unix_ms},
           {"cancel_requested", record.cancel_requested},
           {"cancel_reason", record.cancel_reason},
           {"rejected_by", record.rejected_by}};
  put_optional(out, "current_step", record.current_step);
  put_optional(out, "cancel_grace_ms", record.cancel_grace_ms);
  if (record.result) out["result"] = result_to_json(*record.result);
  json history = json::array();
  for (const Transition &transition : record.history) history.push_back(transition_to_json(transition));
  out["history"] = std::move(history);
  return out;
}

JobRecord job_record_from_json(const nlohmann::json &in) {
  check_format(in);
  try {
    JobRecord record;
    record.id = in.at("id").get<std::string>();
    record.seq = in.at("seq").get<uint64_t>();
    record.name = in.value("name", "");
    record.executor = in.value("executor", "");
    record.spec_json = in.at("spec_json").get<std::string>();
    record.selector = in.value("selector", std::map<std::string, std::string>{});
    record.state = get_enum<JobState>(in, "state", job_state_from_string);
    record.lease_epoch = in.value("lease_epoch", uint64_t{0});
    record.worker_id = in.value("worker_id", "");
    record.submitted_unix_ms = in.value("submitted_unix_ms", int64_t{0});
    record.updated_unix_ms = in.value("updated_unix_ms", int64_t{0});
    record.current_step = get_optional<uint32_t>(in, "current_step");
    if (const auto it = in.find("result"); it != in.end() && !it->is_null()) record.result = result_from_json(*it);
    for (const json &transition : in.value("history", json::array())) {
      record.history.push_back(transition_from_json(transition));
    }
    record.cancel_requested = in.value("cancel_requested", false);
    record.cancel_reason = in.value("cancel_reason", "");
    record.cancel_grace_ms = get_optional<uint64_t>(in, "cancel_grace_ms");
    record.rejected_by = in.value("rejected_by", std::vector<std::string>{});
    return record;
  } catch (const json::exception &e) {
    throw RecordFormatError(std::string("malformed job record: ") + e.what());
  }
}

nlohmann::json worker_record_to_json(const WorkerRecord &record) {
  const WorkerRegistration &reg = record.registration;
  json host{{"os", reg.host.os},
            {"arch", reg.host.arch},
            {"hostname", reg.host.hostname},
            {"cpus", reg.host.cpus},
            {"memory_bytes", reg.host.memory_bytes},
            {"kernel", reg.host.kernel}};
  return json{{"format", kRecordFormat},
              {"id", record.id},
              {"name", reg.name},
              {"version", reg.version},
              {"protocol_versions", reg.protocol_versions},
              {"requested_features", reg.features},
              {"labels", reg.labels},
              {"capacity", reg.capacity},
              {"host", std::move(host)},
              {"executors", plugins_to_json(reg.executors)},
              {"artifact_backends", plugins_to_json(reg.artifact_backends)},
              {"protocol_version", record.protocol_version},
              {"features", record.features},
              {"registered_unix_ms", record.registered_unix_ms}};
}

WorkerRecord worker_record_from_json(const nlohmann::json &in) {
  check_format(in);
  try {
    WorkerRecord record;
    record.id = in.at("id").get<std::string>();
    WorkerRegistration &reg = record.registration;
    reg.name = in.value("name", "");
    reg.version = in.value("version", "");
    reg.protocol_versions = in.value("protocol_versions", std::vector<uint32_t>{});
    reg.features = in.value("requested_features", std::vector<std::string>{});
    reg.labels = in.value("labels", std::map<std::string, std::string>{});
    reg.capacity = in.value("capacity", uint32_t{0});
    const json host = in.value("host", json::object());
    reg.host.os = host.value("os", "");
    reg.host.arch = host.value("arch", "");
    reg.host.hostname = host.value("hostname", "");
    reg.host.cpus = host.value("cpus", uint32_t{0});
    reg.host.memory_bytes = host.value("memory_bytes", uint64_t{0});
    reg.host.kernel = host.value("kernel", "");
    reg.executors = plugins_from_json(in.value("executors", json::array()));
    reg.artifact_backends = plugins_from_json(in.value("artifact_backends", json::array()));
    record.protocol_version = in.value("protocol_version", uint32_t{0});
    record.features = in.value("features", std::vector<std::string>{});
    record.registered_unix_ms = in.value("registered_unix_ms", int64_t{0});
    return record;
  } catch (const json::exception &e) {
    throw RecordFormatError(std::string("malformed worker record: ") + e.what());
  }
}

} // namespace hodei::devserver
