#include "devserver/cli/serve_command.hpp"

#include "devserver/cli/exit_codes.hpp"

#include <csignal>
#include <iostream>
#include <pthread.h>
#include <spdlog/spdlog.h>

namespace hodei::devserver::cli {

int serve(const DevServerOptions &options) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  // Threads created from here on (gRPC's, ours) inherit the mask: only sigwait below sees these signals.
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  try {
    DevServer server(options);
    // One machine-readable line on stdout, so scripts can find the port when listening on :0.
    std::cout << "listening " << server.address() << std::endl;
    int signal = 0;
    sigwait(&signals, &signal);
    spdlog::info("devserver: signal {} received, stopping", signal);
    server.stop();
    return kExitOk;
  } catch (const std::exception &e) {
    spdlog::error("devserver: {}", e.what());
    return kExitServer;
  }
}

} // namespace hodei::devserver::cli
