// Measures plugin load time: scan + dlopen + checks + init of a folder holding the good test plugins.
//
//   hodei_plugin_load_bench [runs]     (default 51)
//
// Each run happens in a fresh child process (fork) so every run pays the real dlopen cost (relocation, static
// constructors) instead of finding the libraries already mapped by an earlier run. Prints each phase's median.
// Baseline, also in fresh children: the bare minimum any plugin host pays for the same files — dlopen(RTLD_NOW),
// dlsym of the entry point and calling it — so the difference is what the registry's scan, checks and init add.
// The last line is machine-readable (scripts/bench.sh plugins):
//   result plugins=N runs=R load_us=MEDIAN unload_us=MEDIAN dlopen_us=MEDIAN
#include "plugin_registry.hpp"
#include "test_support.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <hodei/plugin_api.h>
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

// In the child: dlopen + entry point of each file, write {dlopen_us, 0, ok} to `fd`.
void measure_dlopen_once(const std::vector<std::filesystem::path> &files, int fd) {
  const auto start = Clock::now();
  bool ok = true;
  std::vector<void *> handles;
  for (const auto &file : files) {
    void *h = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
    auto *entry =
        h != nullptr ? reinterpret_cast<const hodei_plugin *(*)()>(::dlsym(h, HODEI_PLUGIN_ENTRY_SYMBOL)) : nullptr;
    ok = ok && entry != nullptr && entry() != nullptr;
    handles.push_back(h);
  }
  const auto loaded = Clock::now();
  for (void *h : handles)
    if (h != nullptr) ::dlclose(h);
  const double times[3] = {std::chrono::duration<double, std::micro>(loaded - start).count(), 0, ok ? 1.0 : 0.0};
  if (::write(fd, times, sizeof times) != static_cast<ssize_t>(sizeof times)) std::_Exit(2);
}

// Runs `measure(fd)` in a fresh child and reads back what it wrote: {figure, figure, ok}; false if it failed.
template <typename Measure> bool in_child(Measure measure, double (&times)[3]) {
  int fds[2];
  if (::pipe(fds) != 0) return false;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    measure(fds[1]);
    std::_Exit(0);
  }
  ::close(fds[1]);
  const bool got = ::read(fds[0], times, sizeof times) == static_cast<ssize_t>(sizeof times);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return got && times[2] == 1.0;
}

} // namespace

int main(int argc, char **argv) {
  const int runs = argc > 1 ? std::max(1, std::stoi(argv[1])) : 51;
  spdlog::set_level(spdlog::level::warn);
  const hodei::test::TempPluginDir dir;
  std::vector<std::string> names = {"libhodei_test_c.so", "libhodei_test_good.so", "libhodei_test_good_alt.so",
                                    "libhodei_test_memstore.so"};
  if (HODEI_HAVE_CLANG_PLUGIN) names.push_back("libhodei_test_clang.so");
  for (const auto &name : names) dir.add(name);
  const auto options = hodei::test::options_for(dir.path());

  std::vector<std::filesystem::path> files;
  files.reserve(names.size());
  for (const auto &name : names) files.push_back(dir.path() / name);

  std::vector<double> load_us;
  std::vector<double> unload_us;
  std::vector<double> dlopen_us;
  for (int i = 0; i < runs; ++i) { // alternating, so that a change of load on a shared machine hits both alike
    double times[3] = {};
    if (!in_child([&](int fd) { measure_once(options, fd); }, times)) {
      std::fprintf(stderr, "run %d failed (a plugin was refused?)\n", i);
      return 1;
    }
    load_us.push_back(times[0]);
    unload_us.push_back(times[1]);
    if (!in_child([&](int fd) { measure_dlopen_once(files, fd); }, times)) {
      std::fprintf(stderr, "baseline run %d failed (dlopen or entry point)\n", i);
      return 1;
    }
    dlopen_us.push_back(times[0]);
  }
  std::printf("%zu plugins, %d runs (fresh process each)\n", names.size(), runs);
  std::printf("scan + load + init: median %.0f us (min %.0f, max %.0f)\n", median(load_us),
              *std::min_element(load_us.begin(), load_us.end()), *std::max_element(load_us.begin(), load_us.end()));
  std::printf("deinit of all:      median %.0f us\n", median(unload_us));
  std::printf("baseline, dlopen + entry point of the same files: median %.0f us\n", median(dlopen_us));
  std::printf("result plugins=%zu runs=%d load_us=%.0f unload_us=%.0f dlopen_us=%.0f\n", names.size(), runs,
              median(load_us), median(unload_us), median(dlopen_us));
  return 0;
}
