#include "docker_executor.hpp"

#include "container_spec.hpp"
#include "docker_job.hpp"
#include "executor_context.hpp"
#include "job_options.hpp"

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace hodei::docker {

namespace {

ApiTimeouts timeouts_from(const PluginConfig &config) {
  ApiTimeouts t;
  t.request = config.api_timeout;
  t.pull = config.pull_timeout;
  return t;
}

// The daemon must speak the API version every request uses.
void check_daemon(const DockerApi &api, const sdk::Host &host) {
  const DaemonVersion v = api.version();
  const std::string where = "the Docker daemon at unix://" + api.socket_path() + " (Docker " + v.version + ")";
  if (compare_api_versions(v.api_version, DockerApi::kApiVersion) < 0) {
    throw sdk::Error(HODEI_ERR_UNAVAILABLE, where + " speaks Engine API " + v.api_version +
                                                " at most, but this plugin needs API " + DockerApi::kApiVersion +
                                                " (Docker 20.10 or newer)");
  }
  if (!v.min_api_version.empty() && compare_api_versions(v.min_api_version, DockerApi::kApiVersion) > 0) {
    throw sdk::Error(HODEI_ERR_UNAVAILABLE, where + " no longer speaks Engine API " + DockerApi::kApiVersion +
                                                " (oldest it accepts: " + v.min_api_version + ")");
  }
  host.info("using " + where + ", Engine API " + DockerApi::kApiVersion + " (daemon's newest: " + v.api_version + ")");
}

std::string worker_id_of(const sdk::Host &host) {
  if (std::optional<std::string> id = host.config("worker.id"); id && !id->empty()) return *id;
  char name[256] = {};
  std::string fallback = ::gethostname(name, sizeof name - 1) == 0 ? std::string(name) : "unknown";
  host.warn("the host did not provide worker.id; labelling containers with worker id \"" + fallback + "\"");
  return fallback;
}

} // namespace

DockerExecutor::DockerExecutor(const sdk::Host &host, std::string_view config_json)
    // DOCKER_HOST is read once here, on the host's main thread before any job (getenv is not safe against a
    // concurrent setenv elsewhere in the worker).
    : host_(host),
      config_(PluginConfig::parse(config_json, std::getenv("DOCKER_HOST"))), // NOLINT(concurrency-mt-unsafe)
      api_(config_.socket, timeouts_from(config_)), worker_id_(worker_id_of(host)),
      context_(std::make_unique<ExecutorContext>(ExecutorContext{host_, config_, api_, worker_id_, running_jobs_})),
      reaper_(api_, host_, running_jobs_, worker_id_) {
  context_->reaper = &reaper_;
  check_daemon(api_, host_);
  try {
    const size_t removed = reaper_.reap_once();
    if (removed > 0) host_.info("removed " + std::to_string(removed) + " leftover container(s) of this worker");
  } catch (const std::exception &e) {
    host_.warn(std::string("leftover container cleanup failed: ") + e.what());
  }
  reaper_.start_periodic(config_.cleanup_interval);
}

DockerExecutor::~DockerExecutor() = default;

void DockerExecutor::validate(const sdk::JobSpec &spec) {
  check_job_spec(spec);
  const JobOptions options = JobOptions::parse(spec.options_json, config_);
  check_mount_sources_on_disk(options, config_);
}

std::unique_ptr<sdk::Job> DockerExecutor::start(const sdk::JobSpec &spec, sdk::OutputSink sink) {
  JobOptions options = JobOptions::parse(spec.options_json, config_);
  host_.debug("job " + spec.id + ": starting " + std::to_string(spec.steps.size()) + " step(s) in " + options.image);
  return std::make_unique<DockerJob>(*context_, spec, std::move(options), sink);
}

std::string DockerExecutor::fingerprint() {
  const DaemonVersion v = api_.version();
  const nlohmann::json daemon_info = api_.info();
  const nlohmann::json doc = {
      {"daemon_version", v.version},
      {"api_version", DockerApi::kApiVersion},
      {"daemon_api_version", v.api_version},
      {"daemon_min_api_version", v.min_api_version},
      {"os", v.os},
      {"arch", v.arch},
      {"kernel_version", v.kernel_version},
      {"storage_driver", daemon_info.value("Driver", "")},
      {"cgroup_version", daemon_info.value("CgroupVersion", "")},
      {"cgroup_driver", daemon_info.value("CgroupDriver", "")},
      {"ncpu", daemon_info.value("NCPU", 0)},
      {"mem_total", daemon_info.value("MemTotal", int64_t{0})},
      {"init_binary", daemon_info.value("InitBinary", "")},
      {"socket", "unix://" + api_.socket_path()},
  };
  return doc.dump();
}

} // namespace hodei::docker
