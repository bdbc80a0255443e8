// Measures plugin load time: scan + dlopen + checks + init of a folder holding the good test plugins.
//
//   hodei_plugin_load_bench [runs]     (default 51)
//
// Each run happens in a fresh child process (fork) so every run pays the real dlopen cost (relocation, static
// constructors) instead of finding the libraries already mapped by an earlier run. Prints each phase's median.
#include "plugin_registry.hpp"
#include "test_support.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// In the child: load once, write {load_us, unload_us} to `fd`.
void measure_once(const hodei::plugins::RegistryOptions &options, int fd) {
  const auto start = Clock::now();
  auto registry = std::make_unique<hodei::plugins::PluginRegistry>(options);
  const auto loaded = Clock::now();
  const bool ok = registry->refusals().empty();
  registry.reset(); // deinit of every plugin
  const auto done = Clock::now();
  const double times[3] = {std::chrono::duration<double, std::micro>(loaded - start).count(),
                           std::chrono::duration<double, std::micro>(done - loaded).count(), ok ? 1.0 : 0.0};
  if (::write(fd, times, sizeof times) != static_cast<ssize_t>(sizeof times)) std::_Exit(2);
}

} // namespace

int main(int argc, char **argv) {
  const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 51;
  spdlog::set_level(spdlog::level::warn);
  const hodei::test::TempPluginDir dir;
  std::vector<std::string> names = {"libhodei_test_c.so", "libhodei_test_good.so", "libhodei_test_good_alt.so",
                                    "libhodei_test_memstore.so"};
  if (HODEI_HAVE_CLANG_PLUGIN) names.push_back("libhodei_test_clang.so");
  for (const auto &name : names) dir.add(name);
  const auto options = hodei::test::options_for(dir.path());

  std::vector<double> load_us;
  std::vector<double> unload_us;
  for (int i = 0; i < runs; ++i) {
    int fds[2];
    if (::pipe(fds) != 0) return 1;
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(fds[0]);
      measure_once(options, fds[1]);
      std::_Exit(0);
    }
    ::close(fds[1]);
    double times[3] = {};
    const bool got = ::read(fds[0], times, sizeof times) == static_cast<ssize_t>(sizeof times);
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!got || times[2] != 1.0) {
      std::fprintf(stderr, "run %d failed (a plugin was refused?)\n", i);
      return 1;
    }
    load_us.push_back(times[0]);
    unload_us.push_back(times[1]);
  }
  std::printf("%zu plugins, %d runs (fresh process each)\n", names.size(), runs);
  std::printf("scan + load + init: median %.0f us (min %.0f, max %.0f)\n", median(load_us),
              *std::min_element(load_us.begin(), load_us.end()), *std::max_element(load_us.begin(), load_us.end()));
  std::printf("deinit of all:      median %.0f us\n", median(unload_us));
  return 0;
}
