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
  const Outcome outcome = reap();
  if (outcome.failed > 0) {
    std::lock_guard lock(mutex_);
    retry_pending_ = true;
  }
  return outcome.removed;
}

LeftoverReaper::Outcome LeftoverReaper::reap() {
  std::set<std::string> failed_before;
  {
    std::lock_guard lock(mutex_);
    failed_before = failed_ids_;
  }
  const nlohmann::json list =
      api_.list_containers({std::string(kLabelManaged) + "=true", std::string(kLabelWorkerId) + "=" + worker_id_});
  Outcome outcome;
  std::set<std::string> still_failing;
  for (const nlohmann::json &c : list) {
    const std::string id = c.value("Id", "");
    if (id.empty()) continue;
    const nlohmann::json labels = c.value("Labels", nlohmann::json::object());
    const std::string job_id = labels.is_object() ? labels.value(kLabelJobId, "") : "";
    if (!job_id.empty() && running_jobs_.contains(job_id) && failed_before.count(id) == 0) continue;
    std::string name = id.substr(0, 12);
    if (c.contains("Names") && c["Names"].is_array() && !c["Names"].empty() && c["Names"][0].is_string())
      name = c["Names"][0].get<std::string>();
    if (!name.empty() && name.front() == '/') name.erase(0, 1); // the list API spells names "/name"
    try {
      if (api_.remove_container(id)) {
        ++outcome.removed;
        host_.info("removed leftover container " + name + " (" + id.substr(0, 12) + ", job " +
                   (job_id.empty() ? "?" : job_id) + ", state " + c.value("State", "?") + ")");
      }
    } catch (const std::exception &e) {
      ++outcome.failed;
      if (failed_before.count(id) != 0) still_failing.insert(id);
      host_.warn("could not remove leftover container " + name + ": " + e.what());
    }
  }
  // Failed ids not listed any more are gone; those removed now are done.
  std::lock_guard lock(mutex_);
  for (const std::string &id : failed_before) {
    if (still_failing.count(id) == 0) failed_ids_.erase(id);
  }
  return outcome;
}

void LeftoverReaper::retry_removal(const std::string &id) noexcept {
  try {
    std::lock_guard lock(mutex_);
    failed_ids_.insert(id);
    retry_pending_ = true;
  } catch (const std::bad_alloc &) {
    // Then only the periodic scan removes it.
  }
  cv_.notify_all();
}

void LeftoverReaper::start_periodic(std::chrono::seconds interval) {
  if (thread_.joinable()) return;
  thread_ = std::thread([this, interval] { loop(interval); });
}

void LeftoverReaper::loop(std::chrono::seconds interval) {
  std::chrono::milliseconds backoff = kFirstRetry;
  std::unique_lock lock(mutex_);
  for (;;) {
    if (retry_pending_) {
      if (cv_.wait_for(lock, backoff, [this] { return stopping_; })) return;
    } else {
      const auto woken = [this] { return stopping_ || retry_pending_; };
      if (interval.count() > 0) {
        cv_.wait_for(lock, interval, woken);
      } else {
        cv_.wait(lock, woken);
      }
      if (stopping_) return;
      if (retry_pending_) continue; // a removal just failed: give the daemon the backoff first
    }
    lock.unlock();
    bool clean = false;
    try {
      clean = reap().failed == 0;
    } catch (const std::exception &e) {
      host_.warn(std::string("leftover container cleanup failed: ") + e.what());
    }
    lock.lock();
    if (clean) {
      if (retry_pending_) host_.info("leftover containers: the retried cleanup succeeded");
      retry_pending_ = false;
      backoff = kFirstRetry;
    } else {
      retry_pending_ = true; // the daemon is still away: keep trying, less and less often
      backoff = std::min(backoff * 2, kMaxRetry);
    }
  }
}

} // namespace hodei::docker
