// LeftoverReaper: removes containers this worker left behind (a crash, a kill -9, a daemon that was down when a job
// ended): those labelled dev.hodei.managed=true and dev.hodei.worker-id=<our id> whose dev.hodei.job-id is not a job
// running in this process. Each removal is logged through the host log. Runs once at init and then periodically on
// its own thread, which the destructor stops and joins. After a failed removal (the daemon was down when a job
// ended) it scans again soon, with backoff, until a scan removes everything: a restarted daemon gets the container
// removed within seconds rather than at the next periodic scan.
#pragma once

#include "docker_api.hpp"
#include "running_jobs.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <hodei/sdk.hpp>
#include <mutex>
#include <set>
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

  // Scans every `interval` on a thread of its own until destruction (0 = no periodic scan, only the retries below).
  // Call at most once.
  void start_periodic(std::chrono::seconds interval);

  // The container `id` could not be removed: scan again after kFirstRetry, then doubling up to kMaxRetry, until a
  // scan lists the daemon's containers and removes all it should. The container is removed even while its job is
  // still registered as running (the job is ending: that is when it failed to remove it). Never throws.
  void retry_removal(const std::string &id) noexcept;

  static constexpr std::chrono::milliseconds kFirstRetry{1000};
  static constexpr std::chrono::milliseconds kMaxRetry{30000};

private:
  struct Outcome {
    size_t removed = 0;
    size_t failed = 0;
  };
  Outcome reap(); // throws when the list cannot be had
  void loop(std::chrono::seconds interval);

  const DockerApi &api_;
  const sdk::Host &host_;
  const RunningJobs &running_jobs_;
  const std::string worker_id_;

  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool retry_pending_ = false;
  std::set<std::string> failed_ids_; // containers whose removal failed, removed regardless of their job's state
  std::thread thread_;               // last member
};

} // namespace hodei::docker
