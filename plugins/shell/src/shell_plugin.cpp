// dev.hodei.executor.shell: the plugin class the SDK turns into the C ABI (HODEI_PLUGIN below).
#include "job_validation.hpp"
#include "shell_config.hpp"
#include "shell_job.hpp"
#include "step_environment.hpp"

#include <hodei/sdk.hpp>
#include <nlohmann/json.hpp>
#include <sys/utsname.h>

namespace hodei::shell {

class ShellExecutor final : public sdk::Executor {
public:
  static constexpr sdk::PluginInfo info{
      .id = "dev.hodei.executor.shell",
      .name = "Shell executor",
      .version = "0.1.0",
      .description = "Runs each step with a local shell, in its own process group, in the job's workspace",
      .capabilities = HODEI_CAP_EXECUTOR_SIGNAL | HODEI_CAP_EXECUTOR_FINGERPRINT,
      .uri_schemes = nullptr,
      .config_schema_json = kShellConfigSchema,
  };

  ShellExecutor(const sdk::Host &host, std::string_view config_json)
      : host_(host), config_(ShellConfig::parse(config_json)), base_(BaseEnvironment::capture()) {}

  void validate(const sdk::JobSpec &spec) override { validate_job(spec); }

  std::unique_ptr<sdk::Job> start(const sdk::JobSpec &spec, sdk::OutputSink sink) override {
    host_.debug("job " + spec.id + ": starting " + std::to_string(spec.steps.size()) + " step(s)");
    return std::make_unique<ShellJob>(host_, config_, base_, spec, sink);
  }

  std::string fingerprint() override {
    utsname u{};
    if (::uname(&u) != 0) throw sdk::io_error("fingerprint: uname failed");
    const nlohmann::json doc = {{"os", "linux"}, {"arch", u.machine}, {"kernel", u.release}, {"shell", config_.shell}};
    return doc.dump();
  }

private:
  const sdk::Host &host_;
  const ShellConfig config_;
  const BaseEnvironment base_;
};

} // namespace hodei::shell

HODEI_PLUGIN(hodei::shell::ShellExecutor)
