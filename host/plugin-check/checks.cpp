#include "checks.hpp"

#include "artifacts/sha256.hpp"
#include "descriptor_validation.hpp"
#include "elf_inspect.hpp"
#include "host_services.hpp"
#include "permissions.hpp"
#include "plugin_call.hpp"
#include "plugin_loader.hpp"
#include "plugin_registry.hpp"
#include "process_tree.hpp"
#include "status.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <unistd.h>

namespace hodei::plugin_check {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using plugins::PluginCallError;

namespace {

// Thrown by a check to report a FAIL with its reason.
struct CheckFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Thrown by a check that cannot run here (SKIP).
struct CheckSkipped : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string &why) { throw CheckFailure(why); }

std::string shorten(std::string text, size_t max = 300) {
  for (char &c : text) {
    if (c == '\n') c = '|';
  }
  if (text.size() > max) text = text.substr(0, max) + "...";
  return text;
}

// ------------------------------------------------------------------------------------------------------------
// Scratch folder of one check: plugin folder (a symlink to the file), data dir, artifact root. Removed at the end.
// ------------------------------------------------------------------------------------------------------------
class Scratch {
public:
  Scratch() {
    const char *tmp = std::getenv("TMPDIR"); // NOLINT(concurrency-mt-unsafe): the worker never sets the environment
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/hodei-plugin-check-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::system_error(errno, std::generic_category(), "cannot create a temporary folder");
    }
    root_ = pattern;
    fs::create_directories(root_ / "plugins");
    fs::create_directories(root_ / "data");
    fs::create_directories(root_ / "artifacts");
    fs::create_directories(root_ / "workspace");
    fs::permissions(root_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec); // docker daemons read workspaces
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  Scratch(const Scratch &) = delete;
  Scratch &operator=(const Scratch &) = delete;
  [[nodiscard]] const fs::path &root() const noexcept { return root_; }
  [[nodiscard]] fs::path plugins() const { return root_ / "plugins"; }
  [[nodiscard]] fs::path data() const { return root_ / "data"; }
  [[nodiscard]] fs::path artifacts() const { return root_ / "artifacts"; }
  [[nodiscard]] fs::path workspace() const { return root_ / "workspace"; }

private:
  fs::path root_;
};

std::map<std::string, std::string> host_settings(const Scratch &scratch) {
  return {{"worker.id", "hodei-plugin-check"},
          {"worker.name", "hodei-plugin-check"},
          {"worker.data_dir", scratch.data().string()},
          {"worker.version", "plugin-check"}};
}

// The descriptor as the plugin declares it, read without init (nothing but the entry function runs).
struct Declared {
  std::string id;
  std::vector<std::string> schemes;
};
std::optional<Declared> peek_descriptor(const fs::path &file) {
  plugins::OpenedPlugin opened = plugins::open_plugin(file);
  if (!opened.library) return std::nullopt;
  plugins::PluginInfo info;
  if (plugins::validate_descriptor(opened.library->entry().descriptor, info)) return std::nullopt;
  return Declared{info.id, info.uri_schemes};
}

// The plugin config to use: --config-json, else for a file:// backend {"root": <scratch>/artifacts}, else "{}".
std::string effective_config(const CheckOptions &options, const Scratch &scratch, const Declared &declared) {
  if (!options.config_json.empty()) return options.config_json;
  if (std::find(declared.schemes.begin(), declared.schemes.end(), "file") != declared.schemes.end()) {
    return nlohmann::json{{"root", scratch.artifacts().string()}}.dump();
  }
  return "{}";
}

// The plugin loaded exactly as the worker loads it: a PluginRegistry over a folder holding only this file.
struct RegistryLoad {
  std::unique_ptr<plugins::PluginRegistry> registry;
  plugins::PluginInfo info;
  std::string config;
};

RegistryLoad load_with_registry(const fs::path &file, const CheckOptions &options, const Scratch &scratch) {
  const fs::path absolute = fs::absolute(file).lexically_normal();
  std::string link_name = absolute.filename().string();
  if (absolute.extension() != ".so") link_name += ".so";
  fs::create_symlink(absolute, scratch.plugins() / link_name);

  RegistryLoad out;
  plugins::RegistryOptions ro;
  ro.plugin_dirs = {scratch.plugins()};
  ro.allow_insecure_permissions = true; // the permissions check reports this separately
  ro.host_settings = host_settings(scratch);
  if (const std::optional<Declared> declared = peek_descriptor(absolute)) {
    out.config = effective_config(options, scratch, *declared);
    ro.plugin_configs[declared->id] = out.config;
  }
  out.registry = std::make_unique<plugins::PluginRegistry>(std::move(ro));
  const std::vector<plugins::Refusal> refusals = out.registry->refusals();
  if (!refusals.empty()) fail("refused by the worker: " + refusals.front().reason);
  const std::vector<plugins::PluginInfo> loaded = out.registry->plugins();
  if (loaded.size() != 1) fail("the worker loaded " + std::to_string(loaded.size()) + " plugins from the file");
  out.info = loaded.front();
  return out;
}

// The config for a report line, with the values of secret-looking fields masked: reports end up in CI logs.
std::string describe_config(const std::string &config) {
  nlohmann::json doc = nlohmann::json::parse(config, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return shorten(config, 120);
  for (auto &[key, value] : doc.items()) {
    std::string lower = key;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const char *word : {"secret", "password", "token", "key", "credential"}) {
      if (lower.find(word) != std::string::npos) value = "***";
    }
  }
  return shorten(doc.dump(), 160);
}

std::vector<std::string> kind_names(uint32_t kinds) {
  std::vector<std::string> out;
  if ((kinds & HODEI_KIND_EXECUTOR) != 0) out.emplace_back("executor");
  if ((kinds & HODEI_KIND_ARTIFACT_BACKEND) != 0) out.emplace_back("artifact-backend");
  return out;
}

// ------------------------------------------------------------------------------------------------------------
// Static checks
// ------------------------------------------------------------------------------------------------------------

std::string check_elf(const fs::path &file) {
  ElfFile elf;
  try {
    elf = read_elf(file);
  } catch (const std::exception &e) {
    fail(std::string(e.what()) + "; a plugin is a 64-bit ELF shared library (.so) for this machine");
  }
  if (elf.type != ET_DYN) {
    fail(std::string("ELF type is ") +
         (elf.type == ET_EXEC  ? "ET_EXEC (an executable)"
          : elf.type == ET_REL ? "ET_REL (an object file)"
                               : std::to_string(elf.type)) +
         ", expected ET_DYN (a shared library); build it with hodei_add_plugin() or -shared -fPIC");
  }
  if (elf.machine != host_machine()) {
    fail("built for " + machine_name(elf.machine) + ", this host is " + machine_name(host_machine()) +
         "; rebuild the plugin for this architecture");
  }
  if (!elf.has_dynamic) fail("the file has no dynamic section; build it as a shared library (-shared)");
  return "64-bit ELF shared library for " + machine_name(elf.machine);
}

std::string check_exports(const fs::path &file) {
  const ElfFile elf = read_elf(file);
  bool has_entry = false;
  std::vector<std::string> extra;
  for (const ElfSymbol &s : elf.exported) {
    if (s.name == HODEI_PLUGIN_ENTRY_SYMBOL) {
      has_entry = true;
      if (s.type != STT_FUNC && s.type != STT_GNU_IFUNC) {
        fail(HODEI_PLUGIN_ENTRY_SYMBOL " is exported as data, not as a function; define it as "
                                       "`HODEI_EXPORT const hodei_plugin *hodei_plugin_entry(void)`");
      }
    } else {
      extra.push_back(s.name);
    }
  }
  if (!has_entry) {
    fail("does not export the function " HODEI_PLUGIN_ENTRY_SYMBOL
         "; define it with HODEI_EXPORT (C) or HODEI_PLUGIN(T) (C++ SDK)");
  }
  if (!extra.empty()) {
    std::string names;
    for (size_t i = 0; i < extra.size() && i < 8; ++i) names += (i == 0 ? "" : ", ") + extra[i];
    if (extra.size() > 8) names += ", ...";
    fail("exports " + std::to_string(extra.size()) + " symbol(s) besides " HODEI_PLUGIN_ENTRY_SYMBOL ": " + names +
         "; link with hodei_add_plugin() (or -fvisibility=hidden and -Wl,--version-script=hodei-plugin.map) so "
         "plugins cannot clash with each other");
  }
  return "exports only " HODEI_PLUGIN_ENTRY_SYMBOL;
}

// The file the dynamic loader resolves `soname` to, or nullopt when it cannot load it.
std::optional<fs::path> resolve_library(const std::string &soname) {
  void *handle = ::dlopen(soname.c_str(), RTLD_LAZY | RTLD_LOCAL);
  if (handle == nullptr) return std::nullopt;
  struct link_map *map = nullptr;
  std::optional<fs::path> out;
  if (::dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map != nullptr && map->l_name != nullptr && *map->l_name != 0) {
    out = fs::path(map->l_name);
  }
  return out; // never dlclose()d: this process ends right after the check
}

std::string check_symbol_versions(const fs::path &file) {
  const ElfFile elf = read_elf(file);
  std::vector<std::string> problems;
  std::map<std::string, std::vector<std::string>> by_library;
  for (const ElfNeededVersion &v : elf.needed_versions) by_library[v.library].push_back(v.version);
  for (const std::string &lib : elf.needed) by_library.try_emplace(lib);
  size_t checked = 0;
  for (const auto &[library, versions] : by_library) {
    const std::optional<fs::path> path = resolve_library(library);
    if (!path) {
      const char *why = ::dlerror(); // NOLINT(concurrency-mt-unsafe): glibc keeps dlerror state per thread
      problems.push_back("needs " + library + ", which the dynamic loader cannot find or load here" +
                         (why != nullptr ? " (" + shorten(why, 160) + ")" : std::string()) +
                         "; install it, add its folder to the loader path, or link it statically");
      continue;
    }
    if (versions.empty()) continue;
    ElfFile lib;
    try {
      lib = read_elf(*path);
    } catch (const std::exception &e) {
      problems.push_back("cannot read " + path->string() + ": " + e.what());
      continue;
    }
    for (const std::string &version : versions) {
      ++checked;
      if (std::find(lib.defined_versions.begin(), lib.defined_versions.end(), version) == lib.defined_versions.end()) {
        std::string newest;
        for (const std::string &d : lib.defined_versions) {
          if (d.rfind(version.substr(0, version.find('_') + 1), 0) == 0) newest = d; // same family, last defined
        }
        problems.push_back("needs " + version + " from " + library + ", but " + path->string() + " on this system " +
                           (newest.empty() ? std::string("does not define it") : "provides up to " + newest) +
                           "; build the plugin on (or for) the oldest distribution it must run on");
      }
    }
  }
  if (!problems.empty()) {
    std::string all;
    for (const std::string &p : problems) all += (all.empty() ? "" : "; ") + p;
    fail(all);
  }
  return "all " + std::to_string(by_library.size()) + " needed libraries and " + std::to_string(checked) +
         " symbol versions are present on this system";
}

std::string check_permissions_of(const fs::path &file) {
  if (auto problem = plugins::check_permissions(fs::absolute(file))) fail(*problem);
  return "only root or the current user can change the file and its folder";
}

// ------------------------------------------------------------------------------------------------------------
// Load and negotiation
// ------------------------------------------------------------------------------------------------------------

std::string check_load(const fs::path &file, const CheckOptions &options, nlohmann::json &info) {
  const Scratch scratch;
  const RegistryLoad loaded = load_with_registry(file, options, scratch);
  const plugins::PluginInfo &p = loaded.info;
  info = {{"id", p.id},
          {"name", p.name},
          {"version", p.version},
          {"abi", std::to_string(p.abi_major) + "." + std::to_string(p.abi_minor)},
          {"kinds", kind_names(p.kinds)},
          {"uri_schemes", p.uri_schemes}};
  std::string kinds;
  for (const std::string &k : kind_names(p.kinds)) kinds += (kinds.empty() ? "" : "+") + k;
  return p.id + " " + p.version + " (" + kinds + ", ABI " + info["abi"].get<std::string>() +
         ") loaded, descriptor valid, init with config " + describe_config(loaded.config) + " succeeded";
}

std::string check_negotiate(const fs::path &file, const CheckOptions &options) {
  const Scratch scratch;
  const fs::path absolute = fs::absolute(file);
  plugins::OpenedPlugin opened = plugins::open_plugin(absolute);
  if (!opened.library) fail("refused by the worker: " + opened.refusal);
  const hodei_plugin &entry = opened.library->entry();
  plugins::PluginInfo info;
  if (auto problem = plugins::validate_descriptor(entry.descriptor, info)) fail(*problem);

  // hodei_plugin_entry may be called several times and must return the same static data.
  if (void *handle = ::dlopen(absolute.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD)) {
    if (void *sym = ::dlsym(handle, HODEI_PLUGIN_ENTRY_SYMBOL)) {
      hodei_plugin_entry_fn fn = nullptr;
      std::memcpy(&fn, &sym, sizeof fn);
      if (fn() != &entry)
        fail(HODEI_PLUGIN_ENTRY_SYMBOL "() returned a different pointer on a second call; it must "
                                       "return the same static struct every time");
    }
  }

  opened.library->retain_forever();
  auto host = std::make_unique<plugins::HostServices>(info.id, host_settings(scratch));
  const std::string config = effective_config(options, scratch, Declared{info.id, info.uri_schemes});
  void *ctx = nullptr;
  plugins::ErrorBuffer err;
  const hodei_status st = entry.init(host->c_struct(), config.c_str(), &ctx, err.get());
  if (st != HODEI_OK) {
    plugins::retain_for_process_lifetime(std::shared_ptr<const plugins::HostServices>(std::move(host)));
    fail(plugins::describe_failure("init", st, err) + " (config " + describe_config(config) + "; pass --config-json)");
  }
  std::vector<std::string> problems;
  if (entry.get_interface(ctx, "hodei.plugin-check.unknown/1") != nullptr) {
    problems.push_back("get_interface(\"hodei.plugin-check.unknown/1\") returned a table; an unknown interface id "
                       "must be answered with NULL");
  }
  const void *exec = entry.get_interface(ctx, HODEI_EXECUTOR_INTERFACE_V1);
  const void *backend = entry.get_interface(ctx, HODEI_ARTIFACT_BACKEND_INTERFACE_V1);
  if ((info.kinds & HODEI_KIND_EXECUTOR) != 0) {
    const auto *t = static_cast<const hodei_executor_v1 *>(exec);
    if (auto problem = plugins::validate_executor_table(t, info.capabilities))
      problems.push_back(*problem);
    else {
      const std::pair<uint64_t, std::pair<bool, const char *>> extras[] = {
          {HODEI_CAP_EXECUTOR_SIGNAL, {t->signal != nullptr, "signal"}},
          {HODEI_CAP_EXECUTOR_RECOVER, {t->get_handle != nullptr || t->recover != nullptr, "get_handle/recover"}},
          {HODEI_CAP_EXECUTOR_FINGERPRINT, {t->fingerprint != nullptr, "fingerprint"}}};
      for (const auto &[bit, fn] : extras) {
        if (fn.first && (info.capabilities & bit) == 0) {
          problems.push_back(std::string("hodei_executor_v1.") + fn.second +
                             " is set but its capability bit is not declared, so the host never calls it; declare "
                             "the bit in the descriptor or set the pointer to NULL");
        }
      }
      if (entry.get_interface(ctx, HODEI_EXECUTOR_INTERFACE_V1) != exec) {
        problems.push_back("get_interface(\"" HODEI_EXECUTOR_INTERFACE_V1 "\") returned a different table on a second "
                           "call; tables are static and stay valid until deinit");
      }
    }
  } else if (exec != nullptr) {
    problems.push_back(
        "the descriptor does not declare HODEI_KIND_EXECUTOR but get_interface(\"" HODEI_EXECUTOR_INTERFACE_V1
        "\") returned a table; declare the kind or return NULL");
  }
  if ((info.kinds & HODEI_KIND_ARTIFACT_BACKEND) != 0) {
    const auto *t = static_cast<const hodei_artifact_backend_v1 *>(backend);
    if (auto problem = plugins::validate_backend_table(t, info.capabilities))
      problems.push_back(*problem);
    else if (t->list != nullptr && (info.capabilities & HODEI_CAP_ARTIFACT_LIST) == 0) {
      problems.push_back("hodei_artifact_backend_v1.list is set but HODEI_CAP_ARTIFACT_LIST is not declared, so the "
                         "host never calls it; declare the bit or set the pointer to NULL");
    }
  } else if (backend != nullptr) {
    problems.push_back("the descriptor does not declare HODEI_KIND_ARTIFACT_BACKEND but "
                       "get_interface(\"" HODEI_ARTIFACT_BACKEND_INTERFACE_V1
                       "\") returned a table; declare the kind or return NULL");
  }
  entry.deinit(ctx);
  if (!problems.empty()) {
    std::string all;
    for (const std::string &p : problems) all += (all.empty() ? "" : "; ") + p;
    fail(all);
  }
  return "interface tables match the declared kinds and capability bits; unknown interface ids get NULL; deinit "
         "returned";
}

// ------------------------------------------------------------------------------------------------------------
// Executor checks
// ------------------------------------------------------------------------------------------------------------

// Records everything a job sends, checks the sink protocol (step_started before output, step_finished after), and
// optionally pushes back by sleeping in the first writes.
class Recorder final : public plugins::OutputReceiver {
public:
  void push_back_first_writes(int count, std::chrono::milliseconds delay) {
    slow_writes_ = count;
    slow_delay_ = delay;
  }

  bool on_output(plugins::OutputStream stream, std::span<const uint8_t> bytes) override {
    if (slow_writes_.fetch_sub(1) > 0) std::this_thread::sleep_for(slow_delay_);
    const std::lock_guard<std::mutex> lock(mutex_);
    std::string &all = stream == plugins::OutputStream::out ? out_ : err_;
    all.append(reinterpret_cast<const char *>(bytes.data()), bytes.size());
    if (active_ < 0) {
      note("output arrived outside a step (before step_started or after step_finished)");
    } else {
      (stream == plugins::OutputStream::out ? step_out_ : step_err_)[active_].append(
          reinterpret_cast<const char *>(bytes.data()), bytes.size());
    }
    cv_.notify_all();
    return true;
  }
  void on_step_started(uint32_t index) override {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (active_ >= 0)
      note("step_started(" + std::to_string(index) + ") while step " + std::to_string(active_) + " was running");
    if (static_cast<int64_t>(index) != next_)
      note("step_started(" + std::to_string(index) + ") out of order, expected " + std::to_string(next_));
    active_ = index;
    next_ = index + 1;
    started_.push_back(index);
  }
  void on_step_finished(const plugins::StepResult &r) override {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (static_cast<int64_t>(r.index) != active_)
      note("step_finished(" + std::to_string(r.index) + ") for a step that was not running");
    active_ = -1;
    finished_.push_back(r);
  }

  bool wait_for(const std::string &needle, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] {
      return out_.find(needle) != std::string::npos || err_.find(needle) != std::string::npos;
    });
  }

  std::string out() const { return locked(out_); }
  std::string err() const { return locked(err_); }
  std::string step_out(int64_t i) const {
    const std::lock_guard<std::mutex> lock(mutex_);
    const auto it = step_out_.find(i);
    return it == step_out_.end() ? std::string() : it->second;
  }
  std::string step_err(int64_t i) const {
    const std::lock_guard<std::mutex> lock(mutex_);
    const auto it = step_err_.find(i);
    return it == step_err_.end() ? std::string() : it->second;
  }
  std::vector<uint32_t> started() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return started_;
  }
  std::vector<plugins::StepResult> finished() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return finished_;
  }
  std::string protocol_problems() const { return locked(problems_); }

private:
  std::string locked(const std::string &s) const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return s;
  }
  void note(const std::string &problem) {
    if (problems_.find(problem) == std::string::npos) problems_ += (problems_.empty() ? "" : "; ") + problem;
  }

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::string out_, err_, problems_;
  std::map<int64_t, std::string> step_out_, step_err_;
  int64_t active_ = -1;
  int64_t next_ = 0;
  std::vector<uint32_t> started_;
  std::vector<plugins::StepResult> finished_;
  std::atomic<int> slow_writes_{0};
  std::chrono::milliseconds slow_delay_{0};
};

// True when `expected` appear in order as the ENDS of lines of `text` (an executor may prefix lines, e.g. with a
// timestamp, and may add lines of its own). Otherwise says which one is missing.
std::optional<std::string> lines_in_order(const std::string &text, const std::vector<std::string> &expected) {
  size_t k = 0;
  size_t pos = 0;
  while (k < expected.size() && pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() >= expected[k].size() && line.substr(line.size() - expected[k].size()) == expected[k]) ++k;
    pos = end + 1;
  }
  if (k == expected.size()) return std::nullopt;
  return "line \"" + expected[k] + "\" missing or out of order (line " + std::to_string(k + 1) + " of " +
         std::to_string(expected.size()) + " expected); got \"" + shorten(text, 200) + "\"";
}

plugins::ExecSpec make_spec(const std::string &name, const CheckOptions &options, const Scratch &scratch,
                            const std::vector<std::string> &scripts) {
  plugins::ExecSpec spec;
  spec.job_id = "plugin-check-" + name + "-" + std::to_string(::getpid());
  spec.job_name = "hodei plugin check: " + name;
  spec.workspace = scratch.workspace().string();
  spec.options_json = options.executor_options.empty() ? "{}" : options.executor_options;
  spec.env = {{"HODEI_CHECK", "1"}};
  for (size_t i = 0; i < scripts.size(); ++i) {
    plugins::ExecStep step;
    step.name = "step-" + std::to_string(i + 1);
    step.run = scripts[i];
    spec.steps.push_back(std::move(step));
  }
  return spec;
}

struct Executor {
  Scratch scratch;
  RegistryLoad loaded;
  std::shared_ptr<plugins::ExecutorHandle> handle;
  Executor(const fs::path &file, const CheckOptions &options) : loaded(load_with_registry(file, options, scratch)) {
    handle = loaded.registry->executor(loaded.info.id);
    if (!handle) throw CheckSkipped("the plugin is not an executor");
  }
};

const char *outcome_name(plugins::Outcome o) {
  switch (o) {
  case plugins::Outcome::succeeded:
    return "succeeded";
  case plugins::Outcome::failed:
    return "failed";
  case plugins::Outcome::cancelled:
    return "cancelled";
  case plugins::Outcome::error:
    return "error";
  }
  return "?";
}

std::string describe(const plugins::ExecResult &r) {
  std::string s = std::string("outcome ") + outcome_name(r.outcome) + ", exit code " + std::to_string(r.exit_code) +
                  ", signal " + std::to_string(r.term_signal) + ", steps run " + std::to_string(r.steps_run);
  if (!r.message.empty()) s += ", message \"" + shorten(r.message, 200) + "\"";
  return s;
}

// Waits for the end of the job, at most `limit`; FAIL when it does not end.
plugins::ExecResult wait_end(plugins::RunningJob &job, std::chrono::milliseconds limit, const std::string &what) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (true) {
    if (std::optional<plugins::ExecResult> r = job.wait(200ms)) return *r;
    if (std::chrono::steady_clock::now() > deadline) {
      fail(what + ": the job did not end within " + std::to_string(limit.count() / 1000) + " s");
    }
  }
}

void expect_marker(Recorder &rec, const std::string &marker, const std::string &what) {
  if (!rec.wait_for(marker, 30s)) {
    fail(what + ": the step's first output \"" + marker + "\" did not arrive within 30 s (stderr: \"" +
         shorten(rec.err(), 200) + "\")");
  }
}

std::string check_exec_output(const fs::path &file, const CheckOptions &options) {
  Executor ex(file, options);
  const plugins::ExecSpec spec =
      make_spec("output", options, ex.scratch,
                {"printf 'hodei-check-out-1\\n'; printf 'hodei-check-err-1\\n' >&2; printf 'hodei-check-out-2\\n'; "
                 "printf 'hodei-check-err-2\\n' >&2",
                 "echo hodei-check-out-3; echo hodei-check-err-3 >&2; echo \"var=$HODEI_CHECK\"; exit 0"});
  Recorder rec;
  ex.handle->validate(spec);
  auto job = ex.handle->start(spec, rec);
  const plugins::ExecResult r = wait_end(*job, 60s, "a two-step job");
  job.reset();
  if (r.outcome != plugins::Outcome::succeeded || r.exit_code != 0)
    fail("a job whose steps exit 0 ended with " + describe(r));
  if (r.steps_run != 2) fail("steps_run is " + std::to_string(r.steps_run) + " for a job of 2 steps that both ran");
  if (auto p = lines_in_order(rec.step_out(0), {"hodei-check-out-1", "hodei-check-out-2"}))
    fail("stdout of step 1: " + *p);
  if (auto p = lines_in_order(rec.step_err(0), {"hodei-check-err-1", "hodei-check-err-2"}))
    fail("stderr of step 1: " + *p);
  if (auto p = lines_in_order(rec.step_out(1), {"hodei-check-out-3", "var=1"}))
    fail("stdout of step 2 (with the job variable HODEI_CHECK=1): " + *p);
  if (auto p = lines_in_order(rec.step_err(1), {"hodei-check-err-3"})) fail("stderr of step 2: " + *p);
  if (rec.out().find("hodei-check-err") != std::string::npos) fail("stderr bytes arrived on the stdout stream");
  if (rec.err().find("hodei-check-out") != std::string::npos) fail("stdout bytes arrived on the stderr stream");
  if (const std::string p = rec.protocol_problems(); !p.empty()) fail("output sink protocol: " + p);
  const auto finished = rec.finished();
  if (finished.size() != 2) fail("step_finished was called " + std::to_string(finished.size()) + " times for 2 steps");
  for (const plugins::StepResult &s : finished) {
    if (s.exit_code != 0 || s.term_signal != 0)
      fail("step_finished(" + std::to_string(s.index) + ") reports exit code " + std::to_string(s.exit_code) +
           " for a step that exited 0");
  }
  return "stdout and stderr arrive complete, in order, on the right stream, between step_started and step_finished";
}

std::string check_exec_failure(const fs::path &file, const CheckOptions &options) {
  Executor ex(file, options);
  const plugins::ExecSpec spec = make_spec(
      "failure", options, ex.scratch, {"echo hodei-check-before-failure; exit 7", "echo hodei-check-should-not-run"});
  Recorder rec;
  auto job = ex.handle->start(spec, rec);
  const plugins::ExecResult r = wait_end(*job, 60s, "a failing job");
  job.reset();
  if (r.outcome != plugins::Outcome::failed) fail("a step that exits 7 must fail the job; got " + describe(r));
  if (r.exit_code != 7) fail("the job result must carry the failing step's exit code 7; got " + describe(r));
  if (rec.out().find("hodei-check-should-not-run") != std::string::npos || r.steps_run != 1) {
    fail("the step after the failing one ran (steps_run " + std::to_string(r.steps_run) + "); a failure stops the job");
  }
  const auto finished = rec.finished();
  if (finished.empty() || finished.front().exit_code != 7) fail("step_finished(0) does not report exit code 7");
  if (const std::string p = rec.protocol_problems(); !p.empty()) fail("output sink protocol: " + p);
  return "a step exiting 7 fails the job with exit code 7 and stops the later steps";
}

std::string check_exec_cancel(const fs::path &file, const CheckOptions &options) {
  Executor ex(file, options);
  struct Case {
    const char *what;
    std::string script;
    plugins::CancelMode mode;
    std::chrono::milliseconds grace;
    std::chrono::milliseconds limit;
  };
  const Case cases[] = {
      {"graceful cancel", "echo hodei-check-started; sleep 30", plugins::CancelMode::graceful, 3000ms, 15s},
      {"graceful cancel of a step that ignores SIGTERM (escalation to force after grace_ms)",
       "trap '' TERM; echo hodei-check-started; sleep 30", plugins::CancelMode::graceful, 500ms, 10s},
      {"force cancel", "echo hodei-check-started; sleep 30", plugins::CancelMode::force, 0ms, 10s},
  };
  std::string summary;
  for (const Case &c : cases) {
    const plugins::ExecSpec spec =
        make_spec("cancel", options, ex.scratch, {c.script, "echo hodei-check-should-not-run"});
    Recorder rec;
    auto job = ex.handle->start(spec, rec);
    expect_marker(rec, "hodei-check-started", c.what);
    const auto begin = std::chrono::steady_clock::now();
    job->cancel(c.mode, c.grace);
    const plugins::ExecResult r = wait_end(*job, c.limit, c.what);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - begin);
    job.reset();
    if (r.outcome != plugins::Outcome::cancelled)
      fail(std::string(c.what) + ": wait must report OUTCOME_CANCELLED; got " + describe(r));
    if (rec.out().find("hodei-check-should-not-run") != std::string::npos)
      fail(std::string(c.what) + ": a step started after the cancel");
    summary += (summary.empty() ? "" : ", ") + std::to_string(took.count()) + " ms";
  }
  return "graceful, escalated and force cancels end a `sleep 30` step as CANCELLED (" + summary + ")";
}

std::string check_exec_cancel_concurrent(const fs::path &file, const CheckOptions &options) {
  Executor ex(file, options);
  // 1. cancel from 4 threads while another thread waits
  const plugins::ExecSpec spec =
      make_spec("cancel-concurrent", options, ex.scratch, {"echo hodei-check-started; sleep 30"});
  Recorder rec;
  auto job = ex.handle->start(spec, rec);
  expect_marker(rec, "hodei-check-started", "concurrent cancel");
  std::optional<plugins::ExecResult> result;
  std::string errors;
  std::mutex errors_mutex;
  auto record = [&](const std::string &e) {
    const std::lock_guard<std::mutex> lock(errors_mutex);
    if (errors.empty()) errors = e;
  };
  std::thread waiter([&] {
    try {
      const auto deadline = std::chrono::steady_clock::now() + 20s;
      while (!result && std::chrono::steady_clock::now() < deadline) result = job->wait(100ms);
    } catch (const std::exception &e) {
      record(std::string("wait: ") + e.what());
    }
  });
  std::vector<std::thread> cancellers;
  cancellers.reserve(4);
  for (int t = 0; t < 4; ++t) {
    cancellers.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        try {
          job->cancel((i + t) % 2 == 0 ? plugins::CancelMode::graceful : plugins::CancelMode::force, 1000ms);
        } catch (const std::exception &e) {
          record(std::string("cancel: ") + e.what());
        }
        std::this_thread::sleep_for(1ms);
      }
    });
  }
  for (std::thread &t : cancellers) t.join();
  waiter.join();
  if (!errors.empty()) fail("concurrent cancel and wait: " + errors + "; cancel must be idempotent and safe with wait");
  if (!result) fail("the job did not end within 20 s of 100 concurrent cancels");
  if (result->outcome != plugins::Outcome::cancelled) fail("after concurrent cancels: " + describe(*result));
  try {
    job->cancel(plugins::CancelMode::force, 0ms);
    job->cancel(plugins::CancelMode::graceful, 100ms);
  } catch (const std::exception &e) {
    fail(std::string("cancel of an ended job must return HODEI_OK: ") + e.what());
  }
  job.reset();

  // 2. cancel right after start, before the step printed anything
  Recorder rec2;
  auto job2 = ex.handle->start(spec, rec2);
  job2->cancel(plugins::CancelMode::force, 0ms);
  const plugins::ExecResult r2 = wait_end(*job2, 15s, "cancel right after start");
  job2.reset();
  if (r2.outcome != plugins::Outcome::cancelled) fail("cancel right after start: " + describe(r2));
  return "100 cancels from 4 threads during wait, a cancel of an ended job, and a cancel right after start all behave";
}

std::string describe_processes(const std::vector<ProcessEntry> &ps) {
  std::string s;
  for (size_t i = 0; i < ps.size() && i < 6; ++i) {
    s += (i == 0 ? "" : ", ") + std::string("pid ") + std::to_string(ps[i].pid) + " (" + shorten(ps[i].command, 60) +
         ")";
  }
  return s;
}

// Uses the C table directly: destroy of a RUNNING job (no cancel, no wait first) must kill and reap everything.
struct RawSink {
  Recorder *rec;
  hodei_output_sink sink{};
  explicit RawSink(Recorder *recorder) : rec(recorder) {
    sink.struct_size = sizeof sink;
    sink.sink_ctx = this;
    sink.write = [](void *ctx, uint32_t stream, const uint8_t *data, size_t len) noexcept -> hodei_status {
      if (stream != HODEI_STREAM_STDOUT && stream != HODEI_STREAM_STDERR) return HODEI_ERR_INVALID_ARGUMENT;
      try {
        static_cast<RawSink *>(ctx)->rec->on_output(static_cast<plugins::OutputStream>(stream), {data, len});
      } catch (...) {
        return HODEI_ERR_INTERNAL;
      }
      return HODEI_OK;
    };
    sink.step_started = [](void *ctx, uint32_t i) noexcept {
      try {
        static_cast<RawSink *>(ctx)->rec->on_step_started(i);
      } catch (...) {
      }
    };
    sink.step_finished = [](void *ctx, const hodei_step_result *r) noexcept {
      try {
        plugins::StepResult s;
        s.index = r->step_index;
        s.exit_code = r->exit_code;
        static_cast<RawSink *>(ctx)->rec->on_step_finished(s);
      } catch (...) {
      }
    };
  }
};

std::string check_exec_destroy(const fs::path &file, const CheckOptions &options) {
  const Scratch scratch;
  const fs::path absolute = fs::absolute(file);
  plugins::OpenedPlugin opened = plugins::open_plugin(absolute);
  if (!opened.library) fail("refused by the worker: " + opened.refusal);
  const hodei_plugin &entry = opened.library->entry();
  plugins::PluginInfo info;
  if (auto problem = plugins::validate_descriptor(entry.descriptor, info)) fail(*problem);
  opened.library->retain_forever();
  auto host = std::make_unique<plugins::HostServices>(info.id, host_settings(scratch));
  const std::string config = effective_config(options, scratch, Declared{info.id, info.uri_schemes});
  void *ctx = nullptr;
  plugins::ErrorBuffer err;
  if (const hodei_status st = entry.init(host->c_struct(), config.c_str(), &ctx, err.get()); st != HODEI_OK) {
    plugins::retain_for_process_lifetime(std::shared_ptr<const plugins::HostServices>(std::move(host)));
    fail(plugins::describe_failure("init", st, err));
  }
  const auto *table = static_cast<const hodei_executor_v1 *>(entry.get_interface(ctx, HODEI_EXECUTOR_INTERFACE_V1));
  if (auto problem = plugins::validate_executor_table(table, info.capabilities)) fail(*problem);

  // The C view of the spec (the same layout the worker builds).
  const std::string run = "sleep 30 & sleep 30 & echo hodei-check-started; wait";
  const std::string options_json = options.executor_options.empty() ? "{}" : options.executor_options;
  const std::string workspace = scratch.workspace().string();
  hodei_step_spec step{};
  step.struct_size = sizeof step;
  step.name = "step-1";
  step.run = run.c_str();
  step.working_dir = "";
  hodei_job_spec spec{};
  spec.struct_size = sizeof spec;
  spec.step_count = 1;
  const std::string job_id = "plugin-check-destroy-" + std::to_string(::getpid());
  spec.job_id = job_id.c_str();
  spec.job_name = "hodei plugin check: destroy";
  spec.workspace = workspace.c_str();
  spec.steps = &step;
  spec.options_json = options_json.c_str();

  Recorder rec;
  RawSink sink(&rec);
  hodei_job *job = nullptr;
  plugins::ErrorBuffer start_err;
  if (const hodei_status st = table->start(ctx, &spec, &sink.sink, &job, start_err.get()); st != HODEI_OK) {
    fail(plugins::describe_failure("start", st, start_err));
  }
  if (job == nullptr) fail("start returned HODEI_OK but no job");
  expect_marker(rec, "hodei-check-started", "destroy of a running job");
  const size_t before = live_descendants(::getpid()).size();
  const auto begin = std::chrono::steady_clock::now();
  table->destroy(ctx, job);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - begin);
  std::vector<ProcessEntry> left;
  for (int i = 0; i < 30; ++i) { // a process killed by destroy may take a moment to be reaped by its parent
    reap_zombies();
    left = live_descendants(::getpid());
    if (left.empty()) break;
    std::this_thread::sleep_for(100ms);
  }
  entry.deinit(ctx);
  if (took > 15s) {
    fail("destroy of a running job took " + std::to_string(took.count()) +
         " ms: it waited for the step (whose background processes run 30 s) instead of killing it; destroy must "
         "SIGKILL the step's whole process group and reap it at once" +
         (left.empty() ? std::string() : " (and it left " + describe_processes(left) + ")"));
  }
  if (!left.empty()) {
    fail("destroy of a running job returned but left " + std::to_string(left.size()) + " process(es) running: " +
         describe_processes(left) + "; destroy must kill (SIGKILL the process group) and reap everything");
  }
  return "destroy of a running job (with 2 background processes; " + std::to_string(before) +
         " processes before) took " + std::to_string(took.count()) + " ms and left no process";
}

std::string check_exec_bad_spec(const fs::path &file, const CheckOptions &options) {
  Executor ex(file, options);
  nlohmann::json bad =
      nlohmann::json::parse(options.executor_options.empty() ? "{}" : options.executor_options, nullptr, false);
  if (!bad.is_object()) throw CheckSkipped("--executor-options is not a JSON object");
  bad["hodei_check_unknown_option"] = true;
  plugins::ExecSpec spec = make_spec("bad-spec", options, ex.scratch, {"echo hodei-check-should-not-run"});
  spec.options_json = bad.dump();
  std::string message;
  try {
    ex.handle->validate(spec);
    Recorder rec;
    auto job = ex.handle->start(spec, rec);
    (void)wait_end(*job, 30s, "a job with an unknown option");
    fail("validate and start accepted options_json with the unknown field \"hodei_check_unknown_option\"; an "
         "executor must refuse unknown options with HODEI_ERR_INVALID_ARGUMENT so typos in job specs are caught");
  } catch (const PluginCallError &e) {
    if (e.status() != HODEI_ERR_INVALID_ARGUMENT) {
      fail(std::string("an unknown option was refused with ") + plugins::status_name(e.status()) +
           ", expected HODEI_ERR_INVALID_ARGUMENT: " + e.what());
    }
    message = e.what();
  }
  if (message.find("(no message)") != std::string::npos) {
    fail("the refusal of an unknown option has no message; write one into the hodei_error that names the field");
  }
  if (message.find("hodei_check_unknown_option") == std::string::npos) {
    fail("the refusal message does not name the field hodei_check_unknown_option: \"" + shorten(message, 200) + "\"");
  }
  return "an unknown option is refused with HODEI_ERR_INVALID_ARGUMENT: \"" + shorten(message, 160) + "\"";
}

std::string check_exec_backpressure(const fs::path &file, const CheckOptions &options) {
  Executor ex(file, options);
  constexpr int lines = 20000;
  const plugins::ExecSpec spec = make_spec("backpressure", options, ex.scratch,
                                           {"i=0; while [ $i -lt " + std::to_string(lines) +
                                            " ]; do echo \"hodei-check-bp-$i\"; i=$((i+1)); done; "
                                            "echo hodei-check-bp-end >&2"});
  Recorder rec;
  rec.push_back_first_writes(40, 25ms);
  auto job = ex.handle->start(spec, rec);
  const plugins::ExecResult r = wait_end(*job, 120s, "a job writing 20000 lines into a slow sink");
  job.reset();
  if (r.outcome != plugins::Outcome::succeeded) fail("a job writing into a slow sink ended with " + describe(r));
  std::vector<std::string> expected;
  expected.reserve(lines);
  for (int i = 0; i < lines; ++i) expected.push_back("hodei-check-bp-" + std::to_string(i));
  if (auto p = lines_in_order(rec.out(), expected)) fail("output lost or reordered under backpressure: " + *p);
  if (auto p = lines_in_order(rec.err(), {"hodei-check-bp-end"})) fail("stderr under backpressure: " + *p);
  return std::to_string(lines) + " lines arrive complete and in order while the sink blocks for 1 s";
}

// ------------------------------------------------------------------------------------------------------------
// Artifact-backend checks
// ------------------------------------------------------------------------------------------------------------

std::string data_of(size_t size, uint32_t seed) {
  std::string data(size, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (char &c : data) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x & 0xff);
  }
  return data;
}

std::string sha256_of(const std::string &data) {
  artifacts::Sha256 h;
  h.update({reinterpret_cast<const uint8_t *>(data.data()), data.size()});
  return h.hex_digest();
}

struct Backend {
  Scratch scratch;
  RegistryLoad loaded;
  std::shared_ptr<plugins::ArtifactBackendHandle> handle;
  std::string base;             // ends with '/'
  std::optional<fs::path> root; // the file:// root we chose (to look for leftovers), when we chose it
  Backend(const fs::path &file, const CheckOptions &options) : loaded(load_with_registry(file, options, scratch)) {
    const auto &schemes = loaded.info.uri_schemes;
    if ((loaded.info.kinds & HODEI_KIND_ARTIFACT_BACKEND) == 0)
      throw CheckSkipped("the plugin is not an artifact backend");
    std::string uri = options.base_uri;
    if (uri.empty()) {
      if (std::find(schemes.begin(), schemes.end(), "file") == schemes.end()) {
        throw CheckSkipped("no --base-uri given and the backend does not handle file:// URIs; pass --base-uri "
                           "SCHEME://... (and --config-json with its settings) to run the artifact checks");
      }
      if (!options.config_json.empty()) {
        throw CheckSkipped("--config-json given without --base-uri: pass --base-uri file:///<folder under the root>/");
      }
      uri = "file://" + (scratch.artifacts() / "objects").string() + "/";
      root = scratch.artifacts();
    }
    if (uri.back() != '/') uri += '/';
    const std::string scheme = uri.substr(0, uri.find(':'));
    handle = loaded.registry->backend_for_scheme(scheme);
    if (!handle)
      fail("the backend does not handle the scheme of --base-uri " + uri +
           " (it handles: " + shorten(nlohmann::json(schemes).dump(), 100) + ")");
    base = uri + "hodei-plugin-check-" + std::to_string(::getpid()) + "/";
  }
  [[nodiscard]] std::string uri(const std::string &name) const { return base + name; }

  // Files left under our file:// root (temp files of a failed put...).
  [[nodiscard]] std::vector<std::string> leftovers() const {
    std::vector<std::string> out;
    if (!root) return out;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(*root, ec), end; !ec && it != end; it.increment(ec)) {
      if (!it->is_directory(ec)) out.push_back(it->path().string());
    }
    return out;
  }
};

// A source that returns 1..N bytes per read, following `pattern`.
plugins::ReadFn short_reader(const std::string &data, std::vector<size_t> pattern, size_t *position = nullptr) {
  auto pos = std::make_shared<size_t>(0);
  auto turn = std::make_shared<size_t>(0);
  return [&data, pattern = std::move(pattern), pos, turn, position](std::span<uint8_t> buf) -> size_t {
    const size_t want = pattern[(*turn)++ % pattern.size()];
    const size_t n = std::min({buf.size(), want, data.size() - *pos});
    std::memcpy(buf.data(), data.data() + *pos, n);
    *pos += n;
    if (position != nullptr) *position = *pos;
    return n;
  };
}

std::string get_all(plugins::ArtifactBackendHandle &h, const std::string &uri, uint64_t offset,
                    std::optional<uint64_t> length) {
  std::string got;
  h.get(
      uri, offset, length,
      [&](std::span<const uint8_t> b) { got.append(reinterpret_cast<const char *>(b.data()), b.size()); },
      [] { return false; });
  return got;
}

int32_t status_of(const std::function<void()> &call) {
  try {
    call();
  } catch (const PluginCallError &e) {
    return e.status();
  }
  return HODEI_OK;
}

void expect_not_found(Backend &b, const std::string &uri, const std::string &what) {
  const int32_t st = status_of([&] { (void)b.handle->stat(uri); });
  if (st == HODEI_OK) fail(what + ": an object exists at " + uri + " afterwards; nothing partial may stay behind");
  if (st != HODEI_ERR_NOT_FOUND)
    fail(what + ": stat afterwards returned " + plugins::status_name(st) + ", expected HODEI_ERR_NOT_FOUND");
}

void expect_no_leftovers(const Backend &b, const std::string &what) {
  const std::vector<std::string> left = b.leftovers();
  if (!left.empty())
    fail(what + ": left " + std::to_string(left.size()) + " file(s) under the root, e.g. " + left.front());
}

std::string check_artifact_roundtrip(const fs::path &file, const CheckOptions &options) {
  Backend b(file, options);
  const size_t sizes[] = {0, 1, 65535, 65536, 65537, 1u << 20};
  uint32_t seed = 1;
  for (const size_t size : sizes) {
    const std::string data = data_of(size, seed++);
    const std::string uri = b.uri("roundtrip/object-" + std::to_string(size) + ".bin");
    const std::string sha = sha256_of(data);
    const bool known_size = seed % 2 == 0;
    plugins::ObjectInfo put_info;
    try {
      put_info = b.handle->put(uri, short_reader(data, {1, 7, 4096, 65539, 3, 100000}),
                               known_size ? std::optional<uint64_t>(size) : std::nullopt, sha, [] { return false; });
    } catch (const std::exception &e) {
      fail("put of " + std::to_string(size) + " bytes (short reads of 1..100000 bytes, size " +
           (known_size ? "known" : "unknown") + "): " + e.what());
    }
    if (put_info.size != size)
      fail("put of " + std::to_string(size) + " bytes reports size " + std::to_string(put_info.size));
    const plugins::ObjectInfo st = b.handle->stat(uri);
    if (st.size != size)
      fail("stat after a put of " + std::to_string(size) + " bytes reports size " + std::to_string(st.size));
    if (!st.sha256_hex.empty() && st.sha256_hex != sha)
      fail("stat reports sha256 " + st.sha256_hex + " for bytes whose sha256 is " + sha);
    const std::string got = get_all(*b.handle, uri, 0, std::nullopt);
    if (got != data) {
      fail("get of a " + std::to_string(size) + "-byte object returned " + std::to_string(got.size()) + " bytes" +
           (got.size() == data.size() ? " with different content" : ""));
    }
    b.handle->remove(uri);
    expect_not_found(b, uri, "remove");
    if (status_of([&] { b.handle->remove(uri); }) != HODEI_OK)
      fail("remove of an object that no longer exists must return HODEI_OK");
  }
  return "put/stat/get/remove round trips of 0, 1, 65535, 65536, 65537 and 1048576 bytes with 1..100000-byte reads";
}

std::string check_artifact_checksum(const fs::path &file, const CheckOptions &options) {
  Backend b(file, options);
  const std::string data = data_of(70000, 42);
  const std::string wrong = sha256_of(data + "x");
  const std::string uri = b.uri("checksum/object.bin");
  const int32_t st = status_of(
      [&] { (void)b.handle->put(uri, short_reader(data, {8192}), data.size(), wrong, [] { return false; }); });
  if (st == HODEI_OK) fail("put with a wrong expected sha256 succeeded; it must return HODEI_ERR_CHECKSUM_MISMATCH");
  if (st != HODEI_ERR_CHECKSUM_MISMATCH)
    fail(std::string("put with a wrong expected sha256 returned ") + plugins::status_name(st) +
         ", expected HODEI_ERR_CHECKSUM_MISMATCH");
  expect_not_found(b, uri, "put with a wrong sha256");
  expect_no_leftovers(b, "put with a wrong sha256");
  return "a wrong expected sha256 gives HODEI_ERR_CHECKSUM_MISMATCH and leaves no object";
}

std::string check_artifact_not_found(const fs::path &file, const CheckOptions &options) {
  Backend b(file, options);
  const std::string uri = b.uri("missing/object.bin");
  if (const int32_t st = status_of([&] { (void)b.handle->stat(uri); }); st != HODEI_ERR_NOT_FOUND) {
    fail(std::string("stat of a missing object returned ") + plugins::status_name(st) +
         ", expected HODEI_ERR_NOT_FOUND");
  }
  if (const int32_t st = status_of([&] { (void)get_all(*b.handle, uri, 0, std::nullopt); });
      st != HODEI_ERR_NOT_FOUND) {
    fail(std::string("get of a missing object returned ") + plugins::status_name(st) +
         ", expected HODEI_ERR_NOT_FOUND");
  }
  if (const int32_t st = status_of([&] { b.handle->remove(uri); }); st != HODEI_OK) {
    fail(std::string("remove of a missing object returned ") + plugins::status_name(st) + ", expected HODEI_OK");
  }
  return "stat and get of a missing object give HODEI_ERR_NOT_FOUND, remove gives HODEI_OK";
}

std::string check_artifact_range(const fs::path &file, const CheckOptions &options) {
  Backend b(file, options);
  const size_t size = 100000;
  const std::string data = data_of(size, 7);
  const std::string uri = b.uri("range/object.bin");
  (void)b.handle->put(uri, short_reader(data, {65536}), size, sha256_of(data), [] { return false; });
  struct Range {
    uint64_t offset;
    std::optional<uint64_t> length;
  };
  const Range ranges[] = {
      {0, 1}, {0, size}, {1000, 5000}, {size - 10, std::nullopt}, {size - 5, 100}, {size, std::nullopt}, {65535, 2}};
  for (const Range &r : ranges) {
    const std::string want = data.substr(r.offset, r.length ? static_cast<size_t>(*r.length) : std::string::npos);
    std::string got;
    try {
      got = get_all(*b.handle, uri, r.offset, r.length);
    } catch (const std::exception &e) {
      fail("get of range offset " + std::to_string(r.offset) + " length " +
           (r.length ? std::to_string(*r.length) : "to the end") + ": " + e.what());
    }
    if (got != want) {
      fail("get of range offset " + std::to_string(r.offset) + " length " +
           (r.length ? std::to_string(*r.length) : "to the end") + " of a " + std::to_string(size) +
           "-byte object returned " + std::to_string(got.size()) + " bytes, expected " + std::to_string(want.size()) +
           (got.size() == want.size() ? " (content differs)" : ""));
    }
  }
  const int32_t st = status_of([&] { (void)get_all(*b.handle, uri, size + 1, std::nullopt); });
  if (st != HODEI_ERR_INVALID_ARGUMENT)
    fail(std::string("get with offset past the end returned ") + plugins::status_name(st) +
         ", expected HODEI_ERR_INVALID_ARGUMENT");
  b.handle->remove(uri);
  return "ranges (start, middle, to the end, cut at the end, empty at the end) return the right bytes; offset > size "
         "gives HODEI_ERR_INVALID_ARGUMENT";
}

std::string check_artifact_cancel(const fs::path &file, const CheckOptions &options) {
  Backend b(file, options);
  const size_t size = 4u << 20;
  const std::string data = data_of(size, 9);
  // put cancelled after 256 KiB were read
  const std::string uri = b.uri("cancel/put.bin");
  size_t position = 0;
  const int32_t st = status_of([&] {
    (void)b.handle->put(uri, short_reader(data, {65536}, &position), size, sha256_of(data),
                        [&] { return position >= size_t{256} * 1024; });
  });
  if (st == HODEI_OK)
    fail("put of 4 MiB completed although the cancel token said stop after 256 KiB; poll it between chunks");
  if (st != HODEI_ERR_CANCELLED)
    fail(std::string("a cancelled put returned ") + plugins::status_name(st) + ", expected HODEI_ERR_CANCELLED");
  expect_not_found(b, uri, "a cancelled put");
  expect_no_leftovers(b, "a cancelled put");

  // a source that fails: the put fails and nothing stays
  const std::string uri_failing = b.uri("cancel/failing-source.bin");
  size_t served = 0;
  bool threw = false;
  try {
    (void)b.handle->put(
        uri_failing,
        [&](std::span<uint8_t> buf) -> size_t {
          if (served >= size_t{128} * 1024) throw std::runtime_error("hodei-check: source failure");
          const size_t n = std::min<size_t>(buf.size(), 4096);
          std::memset(buf.data(), 'x', n);
          served += n;
          return n;
        },
        std::nullopt, std::nullopt, [] { return false; });
  } catch (const std::exception &) {
    threw = true;
  }
  if (!threw) fail("put succeeded although the source stream failed after 128 KiB");
  expect_not_found(b, uri_failing, "a put whose source failed");
  expect_no_leftovers(b, "a put whose source failed");

  // get cancelled after the first bytes
  const std::string uri_get = b.uri("cancel/get.bin");
  (void)b.handle->put(uri_get, short_reader(data, {1u << 20}), size, sha256_of(data), [] { return false; });
  size_t received = 0;
  const int32_t get_status = status_of([&] {
    b.handle->get(
        uri_get, 0, std::nullopt, [&](std::span<const uint8_t> bytes) { received += bytes.size(); },
        [&] { return received > 0; });
  });
  b.handle->remove(uri_get);
  if (get_status == HODEI_OK)
    fail("get of 4 MiB completed although the cancel token said stop after the first bytes; poll it between chunks");
  if (get_status != HODEI_ERR_CANCELLED)
    fail(std::string("a cancelled get returned ") + plugins::status_name(get_status) +
         ", expected HODEI_ERR_CANCELLED");
  return "a cancelled put gives HODEI_ERR_CANCELLED and leaves nothing, a failing source leaves nothing, a cancelled "
         "get stops";
}

} // namespace

const char *status_text(Status status) noexcept {
  switch (status) {
  case Status::pass:
    return "PASS";
  case Status::fail:
    return "FAIL";
  case Status::skip:
    return "SKIP";
  }
  return "FAIL";
}

const std::vector<std::string> &static_checks() {
  static const std::vector<std::string> v{"elf", "exports", "symbol-versions", "permissions"};
  return v;
}
const std::vector<std::string> &load_checks() {
  static const std::vector<std::string> v{"load", "negotiate"};
  return v;
}
const std::vector<std::string> &executor_checks() {
  static const std::vector<std::string> v{"exec-output",  "exec-failure",  "exec-cancel",      "exec-cancel-concurrent",
                                          "exec-destroy", "exec-bad-spec", "exec-backpressure"};
  return v;
}
const std::vector<std::string> &backend_checks() {
  static const std::vector<std::string> v{"artifact-roundtrip", "artifact-checksum", "artifact-not-found",
                                          "artifact-range", "artifact-cancel"};
  return v;
}

bool is_known_check(const std::string &name) {
  for (const auto *list : {&static_checks(), &load_checks(), &executor_checks(), &backend_checks()}) {
    if (std::find(list->begin(), list->end(), name) != list->end()) return true;
  }
  return false;
}

CheckResult run_check(const std::string &name, const fs::path &file, const CheckOptions &options) {
  CheckResult result;
  result.name = name;
  const auto begin = std::chrono::steady_clock::now();
  become_subreaper(); // processes a plugin leaves behind re-parent to this process, so we can see and kill them
  try {
    std::string reason;
    if (name == "elf")
      reason = check_elf(file);
    else if (name == "exports")
      reason = check_exports(file);
    else if (name == "symbol-versions")
      reason = check_symbol_versions(file);
    else if (name == "permissions")
      reason = check_permissions_of(file);
    else if (name == "load")
      reason = check_load(file, options, result.info);
    else if (name == "negotiate")
      reason = check_negotiate(file, options);
    else if (name == "exec-output")
      reason = check_exec_output(file, options);
    else if (name == "exec-failure")
      reason = check_exec_failure(file, options);
    else if (name == "exec-cancel")
      reason = check_exec_cancel(file, options);
    else if (name == "exec-cancel-concurrent")
      reason = check_exec_cancel_concurrent(file, options);
    else if (name == "exec-destroy")
      reason = check_exec_destroy(file, options);
    else if (name == "exec-bad-spec")
      reason = check_exec_bad_spec(file, options);
    else if (name == "exec-backpressure")
      reason = check_exec_backpressure(file, options);
    else if (name == "artifact-roundtrip")
      reason = check_artifact_roundtrip(file, options);
    else if (name == "artifact-checksum")
      reason = check_artifact_checksum(file, options);
    else if (name == "artifact-not-found")
      reason = check_artifact_not_found(file, options);
    else if (name == "artifact-range")
      reason = check_artifact_range(file, options);
    else if (name == "artifact-cancel")
      reason = check_artifact_cancel(file, options);
    else
      throw CheckFailure("unknown check \"" + name + "\"");
    result.status = Status::pass;
    result.reason = reason;
  } catch (const CheckSkipped &e) {
    result.status = Status::skip;
    result.reason = e.what();
  } catch (const CheckFailure &e) {
    result.status = Status::fail;
    result.reason = e.what();
  } catch (const PluginCallError &e) {
    result.status = Status::fail;
    result.reason = std::string("unexpected plugin error: ") + e.what();
  } catch (const std::exception &e) {
    result.status = Status::fail;
    result.reason = std::string("unexpected error: ") + e.what();
  }
  kill_descendants(); // whatever is left: the check is over
  result.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - begin).count();
  return result;
}

nlohmann::json to_json(const CheckResult &r) {
  nlohmann::json j = {
      {"name", r.name}, {"status", status_text(r.status)}, {"reason", r.reason}, {"duration_ms", r.duration_ms}};
  if (!r.info.is_null()) j["info"] = r.info;
  return j;
}

CheckResult check_result_from_json(const nlohmann::json &j) {
  CheckResult r;
  r.name = j.value("name", "");
  const std::string s = j.value("status", "FAIL");
  r.status = s == "PASS" ? Status::pass : s == "SKIP" ? Status::skip : Status::fail;
  r.reason = j.value("reason", "");
  r.duration_ms = j.value("duration_ms", int64_t{0});
  if (j.contains("info")) r.info = j["info"];
  return r;
}

} // namespace hodei::plugin_check
