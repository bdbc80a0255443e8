// systemd service notifications (sd_notify(3)) for `hodei-worker serve` under the packaged unit (Type=notify,
// WatchdogSec=). Every function is a no-op returning false when NOTIFY_SOCKET is unset, i.e. when the worker does
// not run under systemd (a terminal, a container, a test), so callers never need to check.
//
// Call order in a daemon: notify_ready() once config and plugins are loaded and the agent runs (not only after the
// server answered: an unreachable server must not make systemd time the start out and restart the worker);
// notify_watchdog() every watchdog_interval() / 2 from the loop whose liveness it proves; notify_stopping() when a
// drain starts (SIGTERM).
// Thread-safe: each call is one datagram; nothing is cached.
#pragma once

#include <chrono>
#include <string_view>

namespace hodei::cli::systemd {

// Whether NOTIFY_SOCKET is set (the service manager listens for notifications).
bool notify_socket_present() noexcept;

// "READY=1": start-up finished. Until then `systemctl start` waits (TimeoutStartSec).
bool notify_ready() noexcept;

// "STOPPING=1": the worker is shutting down (draining its jobs).
bool notify_stopping() noexcept;

// "WATCHDOG=1": keep-alive ping. systemd kills and restarts the service when none arrives within WatchdogSec.
bool notify_watchdog() noexcept;

// "STATUS=<text>": a one-line status shown by `systemctl status` (e.g. "2 jobs running, draining").
bool notify_status(std::string_view text) noexcept;

// The watchdog timeout systemd expects pings within (sd_watchdog_enabled: WATCHDOG_USEC for this process), or zero
// when there is no watchdog (or no NOTIFY_SOCKET). Ping at half of it.
std::chrono::microseconds watchdog_interval() noexcept;

} // namespace hodei::cli::systemd
