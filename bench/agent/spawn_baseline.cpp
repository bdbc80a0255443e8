// Baseline for the dispatch benchmark: N runs of `/bin/sh -c true` on T threads, each posix_spawn + waitpid, the
// least any job runner must do per job. Prints the jobs/s.
//   spawn_baseline N T
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <vector>

extern char **environ; // NOLINT

int main(int argc, char **argv) {
  const int total = argc > 1 ? std::stoi(argv[1]) : 2000;
  const int threads = argc > 2 ? std::stoi(argv[2]) : 2;
  std::atomic<int> next{0};
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      char sh[] = "/bin/sh";
      char c[] = "-c";
      char cmd[] = "true";
      char *args[] = {sh, c, cmd, nullptr};
      while (next.fetch_add(1) < total) {
        pid_t pid = 0;
        if (posix_spawn(&pid, "/bin/sh", nullptr, nullptr, args, environ) != 0) std::abort();
        int status = 0;
        waitpid(pid, &status, 0);
      }
    });
  }
  for (std::thread &t : pool) t.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("%.1f\n", total / seconds);
  return 0;
}
