// An SDK plugin whose constructor throws: the SDK turns it into HODEI_ERR_INTERNAL with the exception's text, and
// the host refuses the plugin with that message.
#include <hodei/sdk.hpp>
#include <stdexcept>

namespace {
class ThrowingExecutor final : public hodei::sdk::Executor {
public:
  static constexpr hodei::sdk::PluginInfo info{"dev.hodei.test.throwing", "Throwing test executor", "1.0.0"};
  ThrowingExecutor(const hodei::sdk::Host &, std::string_view) {
    throw std::runtime_error("boom: the constructor threw");
  }
  std::unique_ptr<hodei::sdk::Job> start(const hodei::sdk::JobSpec &, hodei::sdk::OutputSink) override {
    return nullptr;
  }
};
} // namespace

HODEI_PLUGIN(ThrowingExecutor)
