#include "leftover_reaper.hpp"

#include "container_spec.hpp"

namespace hodei::docker {

LeftoverReaper::LeftoverReaper(const DockerApi &api, const sdk::Host &host, const RunningJobs &running_jobs,
                               std::string worker_id)
    : api_(api), host_(host), running_jobs_(running_jobs), worker_id_(std::move(worker_id)) {}

LeftoverReaper::~LeftoverReaper() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

size_t LeftoverReaper::reap_once() {
  const nlohmann::json list =
      api_.list_containers({std::string(kLabelManaged) + "=true", std::string(kLabelWorkerId) + "=" + worker_id_});
  size_t removed = 0;
  for (const nlohmann::json &c : list) {
    const std::string id = c.value("Id", "");
    if (id.empty()) continue;
    const nlohmann::json labels = c.value("Labels", nlohmann::json::object());
    const std::string job_id = labels.is_object() ? labels.value(kLabelJobId, "") : "";
    if (!job_id.empty() && running_jobs_.contains(job_id)) continue;
    std::string name = id.substr(0, 12);
    if (c.contains("Names") && c["Names"].is_array() && !c["Names"].empty() && c["Names"][0].is_string())
      name = c["Names"][0].get<std::string>();
    if (!name.empty() && name.front() == '/') name.erase(0, 1); // the list API spells names "/name"
    try {
      if (api_.remove_container(id)) {
        ++removed;
        host_.info("removed leftover container " + name + " (" + id.substr(0, 12) + ", job " +
                   (job_id.empty() ? "?" : job_id) + ", state " + c.value("State", "?") + ")");
      }
    } catch (const std::exception &e) {
      host_.warn("could not remove leftover container " + name + ": " + e.what());
    }
  }
  return removed;
}

void LeftoverReaper::start_periodic(std::chrono::seconds interval) {
  if (interval.count() <= 0 || thread_.joinable()) return;
  thread_ = std::thread([this, interval] { loop(interval); });
}

void LeftoverReaper::loop(std::chrono::seconds interval) {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (cv_.wait_for(lock, interval, [this] { return stopping_; })) return;
    lock.unlock();
    try {
      reap_once();
    } catch (const std::exception &e) {
      host_.warn(std::string("leftover container cleanup failed: ") + e.what());
    }
    lock.lock();
  }
}

} // namespace hodei::docker
