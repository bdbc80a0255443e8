// ExecutorHandle over a plugin's hodei_executor_v1 table (in-process mode).
#pragma once

#include "executor_handle.hpp"
#include "loaded_plugin.hpp"

#include <memory>

namespace hodei::plugins {

// `plugin->executor` must be a validated table. The handle and every RunningJob it starts keep `plugin` alive.
//
// Output adapter rules (hodei_output_sink -> OutputReceiver):
//   - on_output returning false makes write return HODEI_ERR_CANCELLED (abi: "the job is being cancelled").
//   - an exception thrown by the receiver never unwinds into the plugin: the adapter catches it, keeps the first
//     one, and makes this and every later write return HODEI_ERR_CANCELLED without calling the receiver again (the
//     only error write is documented to return, and the one that makes an executor stop producing). The next
//     RunningJob::wait force-cancels the job, and once the plugin reports the job ended wait re-throws the
//     receiver's original exception. Step notifications that throw are handled the same way.
[[nodiscard]] std::shared_ptr<ExecutorHandle> make_executor_handle(std::shared_ptr<LoadedPlugin> plugin);

} // namespace hodei::plugins
