#include "signal_watcher.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <stdexcept>
#include <system_error>
#include <unistd.h>

namespace hodei::cli {

namespace {
// Written only by the async-signal-safe handler below; one watcher per process.
volatile sig_atomic_t g_write_fd = -1;
struct sigaction g_old_int {};
struct sigaction g_old_term {};
struct sigaction g_old_hup {};
bool g_hup_installed = false;

void on_stop_signal(int signo) {
  const int saved = errno;
  const auto byte = static_cast<unsigned char>(signo);
  if (g_write_fd >= 0) (void)!::write(g_write_fd, &byte, 1);
  errno = saved;
}

constexpr unsigned char quit_byte = 0;
} // namespace

SignalWatcher::SignalWatcher(std::function<void(int, int)> on_signal) : on_signal_(std::move(on_signal)) {
  if (::pipe2(pipe_, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
  g_write_fd = pipe_[1];
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &sa, &g_old_int);
  ::sigaction(SIGTERM, &sa, &g_old_term);
  thread_ = std::thread([this] { loop(); });
}

SignalWatcher::~SignalWatcher() {
  ::sigaction(SIGINT, &g_old_int, nullptr);
  ::sigaction(SIGTERM, &g_old_term, nullptr);
  if (g_hup_installed) ::sigaction(SIGHUP, &g_old_hup, nullptr);
  g_hup_installed = false;
  (void)!::write(pipe_[1], &quit_byte, 1);
  thread_.join();
  g_write_fd = -1;
  ::close(pipe_[0]);
  ::close(pipe_[1]);
}

void SignalWatcher::on_hangup(std::function<void()> callback) {
  {
    const std::lock_guard lock(hangup_mutex_);
    on_hangup_ = std::move(callback);
  }
  if (g_hup_installed) return;
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal; // the same self-pipe: the loop tells SIGHUP apart
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGHUP, &sa, &g_old_hup);
  g_hup_installed = true;
}

void SignalWatcher::loop() {
  int count = 0;
  for (;;) {
    unsigned char byte = 0;
    const ssize_t n = ::read(pipe_[0], &byte, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || byte == quit_byte) return;
    if (byte == SIGHUP) {
      std::function<void()> callback;
      {
        const std::lock_guard lock(hangup_mutex_);
        callback = on_hangup_;
      }
      if (callback) callback();
      continue;
    }
    on_signal_(byte, ++count);
  }
}

} // namespace hodei::cli
