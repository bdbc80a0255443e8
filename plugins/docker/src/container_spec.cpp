#include "container_spec.hpp"

#include "text.hpp"

#include <csignal>
#include <map>
#include <random>

namespace hodei::docker {

namespace {

using nlohmann::json;

// Splits on '/', drops empty and "." parts, resolves ".."; false when ".." climbs above the start.
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

void check_env_names(const std::string &field, const std::vector<sdk::EnvVar> &vars) {
  for (size_t i = 0; i < vars.size(); ++i) {
    const std::string &name = vars[i].name;
    const std::string where = field + "[" + std::to_string(i) + "]";
    if (name.empty()) throw sdk::invalid_argument(where + ".key: must not be empty");
    if (name.find('=') != std::string::npos)
      throw sdk::invalid_argument(cat(where, ".key: \"", name, "\" must not contain '='"));
  }
}

} // namespace

// `wait` returns 128+N when a relayed signal interrupts it: keep sleeping. 127 means there is no `sleep` in the
// image: exit (the step then fails with a clear message) instead of spinning.
const char *const kKeeperScript = "for s in HUP INT QUIT TERM USR1 USR2; do trap \"kill -$s -1 2>/dev/null\" $s; done; "
                                  "while :; do sleep 86400 & wait $!; [ $? -eq 127 ] && exit 127; done";

bool keeper_relays(int signo) noexcept {
  return signo == SIGHUP || signo == SIGINT || signo == SIGQUIT || signo == SIGTERM || signo == SIGUSR1 ||
         signo == SIGUSR2;
}

std::string container_name(std::string_view job_id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::string suffix;
  for (int i = 0; i < 8; ++i) suffix += kHex[rd() % 16];
  return "hodei-" + std::string(job_id) + "-" + suffix;
}

json container_create_body(const JobOptions &options, const std::string &workspace_on_host, const std::string &job_id,
                           const std::string &worker_id) {
  json mounts = json::array();
  mounts.push_back({{"Type", "bind"}, {"Source", workspace_on_host}, {"Target", kWorkspaceInContainer}});
  for (const MountOption &m : options.mounts)
    mounts.push_back({{"Type", "bind"}, {"Source", m.source}, {"Target", m.target}, {"ReadOnly", m.read_only}});

  json host = {
      {"Init", true},
      {"NetworkMode", options.network},
      {"Mounts", mounts},
      {"Privileged", options.privileged},
      {"ReadonlyRootfs", options.read_only_rootfs},
      // The keeper writes nothing, and step output never goes through the log driver (it comes from the execs):
      // "none" spares the daemon log files and any dependency on a remote logging endpoint.
      {"LogConfig", {{"Type", "none"}, {"Config", json::object()}}},
  };
  if (options.memory) {
    host["Memory"] = *options.memory;
    host["MemorySwap"] = *options.memory; // no swap on top: the limit is the limit
  }
  if (options.nano_cpus) host["NanoCpus"] = *options.nano_cpus;
  if (options.pids_limit) host["PidsLimit"] = *options.pids_limit;
  if (!options.cap_drop.empty()) host["CapDrop"] = options.cap_drop;
  if (options.no_new_privileges) host["SecurityOpt"] = json::array({"no-new-privileges"});

  json body = {
      {"Image", options.image},
      {"Entrypoint", json::array({"/bin/sh", "-c", kKeeperScript})},
      {"WorkingDir", kWorkspaceInContainer},
      {"Labels", {{kLabelManaged, "true"}, {kLabelJobId, job_id}, {kLabelWorkerId, worker_id}}},
      {"AttachStdin", false},
      {"AttachStdout", false},
      {"AttachStderr", false},
      {"OpenStdin", false},
      {"Tty", false},
      {"HostConfig", host},
  };
  if (!options.user.empty()) body["User"] = options.user;
  return body;
}

std::string container_working_dir(std::string_view working_dir) {
  std::vector<std::string_view> parts;
  normalize_relative(working_dir, parts);
  std::string path = kWorkspaceInContainer;
  for (const std::string_view part : parts) (path += '/') += part;
  return path;
}

std::vector<std::string> step_environment(const sdk::JobSpec &job, const sdk::StepSpec &step) {
  std::map<std::string, std::string> vars;
  vars["CI"] = "true";
  for (const auto &v : job.env) vars[v.name] = v.value;
  for (const auto &v : step.env) vars[v.name] = v.value;
  for (const auto &v : job.secrets) vars[v.name] = v.value;
  vars["HODEI_JOB_ID"] = job.id;
  vars["HODEI_JOB_NAME"] = job.name;
  vars["HODEI_WORKSPACE"] = kWorkspaceInContainer;
  vars["HODEI_STEP_NAME"] = step.name;
  std::vector<std::string> out;
  out.reserve(vars.size());
  for (const auto &[name, value] : vars) {
    std::string entry = name;
    (entry += '=') += value;
    out.push_back(std::move(entry));
  }
  return out;
}

std::vector<std::string> step_command(const JobOptions &options, const sdk::StepSpec &step) {
  std::vector<std::string> argv = options.entrypoint;
  argv.insert(argv.end(), options.shell.begin(), options.shell.end());
  argv.push_back(step.run);
  return argv;
}

json exec_create_body(const JobOptions &options, const sdk::JobSpec &job, uint32_t index) {
  const sdk::StepSpec &step = job.steps.at(index);
  json body = {
      {"AttachStdin", false},
      {"AttachStdout", true},
      {"AttachStderr", true},
      {"Tty", false},
      {"Cmd", step_command(options, step)},
      {"Env", step_environment(job, step)},
      {"WorkingDir", container_working_dir(step.working_dir)},
  };
  if (!options.user.empty()) body["User"] = options.user;
  return body;
}

void check_job_spec(const sdk::JobSpec &spec) {
  if (spec.workspace.empty() || spec.workspace.front() != '/')
    throw sdk::invalid_argument("workspace: expected an absolute path, got \"" + spec.workspace + "\"");
  check_env_names("env", spec.env);
  check_env_names("secrets", spec.secrets);
  for (size_t i = 0; i < spec.steps.size(); ++i) {
    const std::string step = "steps[" + std::to_string(i) + "]";
    const std::string &dir = spec.steps[i].working_dir;
    std::vector<std::string_view> parts;
    if (!dir.empty() && dir.front() == '/')
      throw sdk::invalid_argument(cat(step, ".working_dir: must be relative to the workspace, got \"", dir, "\""));
    if (!normalize_relative(dir, parts))
      throw sdk::invalid_argument(cat(step, ".working_dir: \"", dir, "\" leaves the workspace"));
    check_env_names(step + ".env", spec.steps[i].env);
  }
}

} // namespace hodei::docker
