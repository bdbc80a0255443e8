// The environment a step starts with. It is built from scratch, not inherited: the worker's own environment may hold
// its registration token or cloud credentials, which must not leak into user scripts.
#pragma once

#include <hodei/sdk.hpp>
#include <map>
#include <string>
#include <vector>

namespace hodei::shell {

// The worker's variables every step inherits, when the worker has them:
//   PATH (default "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" when unset), HOME, USER, LOGNAME,
//   LANG, LC_ALL, TZ, TMPDIR.
// Captured once at plugin init: getenv() is not safe against a concurrent setenv() elsewhere in the worker, and init
// runs on the host's main thread before any job.
class BaseEnvironment {
public:
  static BaseEnvironment capture();
  [[nodiscard]] const std::map<std::string, std::string> &vars() const noexcept { return vars_; }

private:
  std::map<std::string, std::string> vars_;
};

// "NAME=value" strings for the step, later layers overriding earlier ones:
//   1. the base environment above;  2. CI=true;  3. the job's env;  4. the step's env;  5. the job's secrets;
//   6. HODEI_JOB_ID, HODEI_JOB_NAME, HODEI_WORKSPACE, HODEI_STEP_NAME (set by the executor, cannot be overridden).
// Secrets go through the environment only, never through argv, so they do not show in `ps` or /proc/<pid>/cmdline.
std::vector<std::string> build_step_environment(const BaseEnvironment &base, const sdk::JobSpec &job,
                                                const sdk::StepSpec &step);

} // namespace hodei::shell
