// RunningJobs: the ids of the jobs this plugin instance is running. The leftover reaper removes only containers of
// our worker whose job is NOT in here. A job registers before its container is created and unregisters after it was
// removed (Registration, RAII), so the reaper never races a live job.
#pragma once

#include <map>
#include <mutex>
#include <string>

namespace hodei::docker {

class RunningJobs {
public:
  class Registration {
  public:
    Registration(RunningJobs &jobs, std::string job_id) : jobs_(jobs), job_id_(std::move(job_id)) {
      std::lock_guard lock(jobs_.mutex_);
      ++jobs_.count_[job_id_];
    }
    ~Registration() {
      std::lock_guard lock(jobs_.mutex_);
      if (--jobs_.count_[job_id_] == 0) jobs_.count_.erase(job_id_);
    }
    Registration(const Registration &) = delete;
    Registration &operator=(const Registration &) = delete;

  private:
    RunningJobs &jobs_;
    std::string job_id_;
  };

  [[nodiscard]] bool contains(const std::string &job_id) const {
    std::lock_guard lock(mutex_);
    return count_.count(job_id) != 0;
  }

private:
  mutable std::mutex mutex_;
  std::map<std::string, int> count_; // a count: the same id twice must not unregister the other one
};

} // namespace hodei::docker
