#include "systemd_notify.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <systemd/sd-daemon.h>

namespace hodei::cli::systemd {

namespace {
bool send(const char *state) noexcept {
  if (!notify_socket_present()) return false;
  // unset_environment = 0: NOTIFY_SOCKET stays set so later notifications (watchdog, stopping) still work.
  return ::sd_notify(0, state) > 0;
}
} // namespace

bool notify_socket_present() noexcept {
  const char *socket = std::getenv("NOTIFY_SOCKET"); // NOLINT(concurrency-mt-unsafe): nobody sets it after start-up
  return socket != nullptr && *socket != '\0';
}

bool notify_ready() noexcept { return send("READY=1"); }

bool notify_stopping() noexcept { return send("STOPPING=1"); }

bool notify_watchdog() noexcept { return send("WATCHDOG=1"); }

bool notify_status(std::string_view text) noexcept {
  try {
    std::string state = "STATUS=";
    for (const char c : text) state += (c == '\n' ? ' ' : c); // one line: a newline would start another assignment
    return send(state.c_str());
  } catch (...) {
    return false; // out of memory: a status line is not worth failing for
  }
}

std::chrono::microseconds watchdog_interval() noexcept {
  if (!notify_socket_present()) return std::chrono::microseconds{0};
  uint64_t usec = 0;
  if (::sd_watchdog_enabled(0, &usec) <= 0) return std::chrono::microseconds{0};
  return std::chrono::microseconds{static_cast<std::chrono::microseconds::rep>(usec)};
}

} // namespace hodei::cli::systemd
