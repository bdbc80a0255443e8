#include "step_environment.hpp"

#include <array>
#include <cstdlib>

namespace hodei::shell {

namespace {

constexpr std::array kInheritedVariables = {"PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TMPDIR"};
constexpr const char *kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

void apply(std::map<std::string, std::string> &env, const std::vector<sdk::EnvVar> &vars) {
  for (const sdk::EnvVar &v : vars) env[v.name] = v.value;
}

} // namespace

BaseEnvironment BaseEnvironment::capture() {
  BaseEnvironment base;
  for (const char *name : kInheritedVariables) {
    if (const char *value = std::getenv(name)) base.vars_[name] = value; // NOLINT(concurrency-mt-unsafe): see header
  }
  base.vars_.try_emplace("PATH", kDefaultPath);
  return base;
}

std::vector<std::string> build_step_environment(const BaseEnvironment &base, const sdk::JobSpec &job,
                                                const sdk::StepSpec &step) {
  std::map<std::string, std::string> env = base.vars();
  env["CI"] = "true";
  apply(env, job.env);
  apply(env, step.env);
  apply(env, job.secrets);
  env["HODEI_JOB_ID"] = job.id;
  env["HODEI_JOB_NAME"] = job.name;
  env["HODEI_WORKSPACE"] = job.workspace;
  env["HODEI_STEP_NAME"] = step.name;

  std::vector<std::string> block;
  block.reserve(env.size());
  for (const auto &[name, value] : env) block.push_back(name + "=" + value);
  return block;
}

} // namespace hodei::shell
