// LeftoverReaper: removes containers this worker left behind (a crash, a kill -9, a daemon that was down when a job
// ended): those labelled dev.hodei.managed=true and dev.hodei.worker-id=<our id> whose dev.hodei.job-id is not a job
// running in this process. Each removal is logged through the host log. Runs once at init and then periodically on
// its own thread, which the destructor stops and joins.
#pragma once

#include "docker_api.hpp"
#include "running_jobs.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <hodei/sdk.hpp>
#include <mutex>
#include <string>
#include <thread>

namespace hodei::docker {

class LeftoverReaper {
public:
  LeftoverReaper(const DockerApi &api, const sdk::Host &host, const RunningJobs &running_jobs, std::string worker_id);
  ~LeftoverReaper(); // stops and joins the periodic thread
  LeftoverReaper(const LeftoverReaper &) = delete;
  LeftoverReaper &operator=(const LeftoverReaper &) = delete;

  // One scan, on the calling thread. Returns how many containers were removed; throws when the daemon cannot be
  // asked for the list (a single failed removal is only logged).
  size_t reap_once();

  // Scans every `interval` on a thread of its own until destruction. Call at most once; 0 = never.
  void start_periodic(std::chrono::seconds interval);

private:
  void loop(std::chrono::seconds interval);

  const DockerApi &api_;
  const sdk::Host &host_;
  const RunningJobs &running_jobs_;
  const std::string worker_id_;

  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_; // last member
};

} // namespace hodei::docker
