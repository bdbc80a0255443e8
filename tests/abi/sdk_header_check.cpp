// Compile-only: <hodei/sdk.hpp> builds in C++17 and C++20 with the project's warnings as errors, and a minimal
// plugin class satisfies HODEI_PLUGIN's static checks.
#include <hodei/sdk.hpp>

namespace {
class CheckExecutor final : public hodei::sdk::Executor {
public:
  static constexpr hodei::sdk::PluginInfo info{"dev.hodei.check.sdk", "SDK check", "1.0.0"};
  CheckExecutor(const hodei::sdk::Host &, std::string_view) {}
  std::unique_ptr<hodei::sdk::Job> start(const hodei::sdk::JobSpec &, hodei::sdk::OutputSink) override {
    throw hodei::sdk::unsupported("compile check only");
  }
};
} // namespace

extern "C" const hodei_plugin *hodei_sdk_check_entry(void);
extern "C" const hodei_plugin *hodei_sdk_check_entry(void) { return hodei::sdk::detail::Entry<CheckExecutor>::get(); }
