// ArtifactBackendHandle over a plugin's hodei_artifact_backend_v1 table (in-process mode).
#pragma once

#include "artifact_backend_handle.hpp"
#include "loaded_plugin.hpp"

#include <memory>

namespace hodei::plugins {

// `plugin->backend` must be a validated table; the handle keeps `plugin` alive.
//
// Callback adapters (ReadFn / WriteFn / CancelFn -> hodei_read_stream / hodei_write_stream / hodei_cancel_token):
// an exception thrown by a host callback never unwinds through the plugin. The adapter catches it, keeps the first
// one and returns an error to the plugin (read/write: HODEI_ERR_IO; is_cancelled: "cancelled"), and once the
// plugin's call returned, the handle re-throws that original exception, whatever status the plugin returned.
[[nodiscard]] std::shared_ptr<ArtifactBackendHandle> make_artifact_backend_handle(std::shared_ptr<LoadedPlugin> plugin);

} // namespace hodei::plugins
