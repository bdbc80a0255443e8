// `hodei-devserver serve`: runs a DevServer until SIGINT or SIGTERM, then stops it in order.
#pragma once

#include "devserver/dev_server.hpp"

namespace hodei::devserver::cli {

// Blocks SIGINT/SIGTERM in every thread (before gRPC starts its own), waits for one, stops the server.
// Returns the exit code.
int serve(const DevServerOptions &options);

} // namespace hodei::devserver::cli
