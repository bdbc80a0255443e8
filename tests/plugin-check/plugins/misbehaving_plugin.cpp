// Test executors that misbehave at run time, for `plugins check`: built twice,
//   HODEI_TEST_ABORT_IN_START: start() calls abort() (a crashing plugin: the check must report the signal);
//   HODEI_TEST_HANG_IN_WAIT:   wait() never returns, ignoring its timeout (a hanging plugin: the check must time out).
// Both load and negotiate correctly, so only the executor checks fail.
#include <chrono>
#include <cstdlib>
#include <hodei/sdk.hpp>
#include <thread>

namespace {

class HangingJob final : public hodei::sdk::Job {
public:
  std::optional<hodei::sdk::JobResult> wait(std::chrono::milliseconds) override {
    while (true) std::this_thread::sleep_for(std::chrono::hours(1));
  }
  void cancel(hodei::sdk::CancelMode, std::chrono::milliseconds) override {}
};

class MisbehavingExecutor final : public hodei::sdk::Executor {
public:
  static constexpr hodei::sdk::PluginInfo info{HODEI_TEST_ID, "Misbehaving test executor", "1.0.0"};
  MisbehavingExecutor(const hodei::sdk::Host &, std::string_view) {}

  void validate(const hodei::sdk::JobSpec &spec) override {
    if (spec.options_json != "{}")
      throw hodei::sdk::invalid_argument("options: unknown option in " + spec.options_json);
  }

  std::unique_ptr<hodei::sdk::Job> start(const hodei::sdk::JobSpec &, hodei::sdk::OutputSink) override {
#ifdef HODEI_TEST_ABORT_IN_START
    std::abort();
#else
    return std::make_unique<HangingJob>();
#endif
  }
};

} // namespace

HODEI_PLUGIN(MisbehavingExecutor)
