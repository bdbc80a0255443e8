#include "job_validation.hpp"

#include <nlohmann/json.hpp>
#include <vector>

namespace hodei::shell {

namespace {

// Splits on '/' and drops empty and "." parts; ".." pops. Returns false when ".." climbs above the start, i.e. the
// path leaves the folder it is relative to. Purely lexical: a symlink inside the workspace may still point out of it,
// which is fine because the workspace is not a security boundary (the step can `cd /` anyway); this check only
// catches specs that are plainly wrong.
bool normalize_relative(std::string_view path, std::vector<std::string_view> &parts) {
  size_t pos = 0;
  while (pos <= path.size()) {
    const size_t slash = std::min(path.find('/', pos), path.size());
    const std::string_view part = path.substr(pos, slash - pos);
    pos = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (parts.empty()) return false;
      parts.pop_back();
    } else {
      parts.push_back(part);
    }
  }
  return true;
}

void check_working_dir(const std::string &field, const std::string &dir) {
  if (dir.empty()) return;
  if (dir.front() == '/')
    throw sdk::invalid_argument(field + ": must be relative to the workspace, got \"" + dir + "\"");
  std::vector<std::string_view> parts;
  if (!normalize_relative(dir, parts)) throw sdk::invalid_argument(field + ": \"" + dir + "\" leaves the workspace");
}

// A variable name becomes "NAME=value" in the environment block: an empty name or one containing '=' would corrupt
// it. Only the key is named in the message, so this is safe for secrets too.
void check_env(const std::string &field, const std::vector<sdk::EnvVar> &vars) {
  for (size_t i = 0; i < vars.size(); ++i) {
    const std::string &name = vars[i].name;
    const std::string where = field + "[" + std::to_string(i) + "]";
    if (name.empty()) throw sdk::invalid_argument(where + ".key: must not be empty");
    if (name.find('=') != std::string::npos)
      throw sdk::invalid_argument(where + ".key: \"" + name + "\" must not contain '='");
  }
}

// The shell executor has no per-job options: anything in the "shell" object of the job spec is a mistake.
void check_options(const std::string &options_json) {
  const nlohmann::json doc = nlohmann::json::parse(options_json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) throw sdk::invalid_argument("options: not valid JSON");
  if (!doc.is_object()) throw sdk::invalid_argument("options: expected a JSON object");
  if (!doc.empty())
    throw sdk::invalid_argument("options." + doc.items().begin().key() +
                                ": unknown option (the shell executor takes no job options)");
}

} // namespace

void validate_job(const sdk::JobSpec &spec) {
  if (spec.workspace.empty() || spec.workspace.front() != '/')
    throw sdk::invalid_argument("workspace: expected an absolute path, got \"" + spec.workspace + "\"");
  check_env("env", spec.env);
  check_env("secrets", spec.secrets);
  for (size_t i = 0; i < spec.steps.size(); ++i) {
    const std::string step = "steps[" + std::to_string(i) + "]";
    check_working_dir(step + ".working_dir", spec.steps[i].working_dir);
    check_env(step + ".env", spec.steps[i].env);
  }
  check_options(spec.options_json);
}

std::string resolve_working_dir(std::string_view workspace, std::string_view working_dir) {
  std::vector<std::string_view> parts;
  normalize_relative(working_dir, parts);
  std::string path(workspace);
  for (const std::string_view part : parts) {
    if (path.back() != '/') path += '/';
    path += part;
  }
  return path;
}

} // namespace hodei::shell
