#include "held_job.hpp"

namespace hodei::agent {

namespace {
int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
int64_t steady_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
} // namespace

HeldJob::HeldJob(std::string id, uint64_t lease_epoch, job::JobSpec job_spec, const std::filesystem::path &spool_dir,
                 uint64_t memory_budget_per_job, journal::SpoolBudget &budget, const std::function<void()> &on_data)
    : job_id(std::move(id)), epoch(lease_epoch), spec(std::move(job_spec)), accepted_unix_ms(unix_ms_now()),
      accepted_at(std::chrono::steady_clock::now()) {
  // stdout gets half of the job's memory buffer, stderr and the system lines a quarter each.
  const std::array<uint64_t, kStreamCount> memory{memory_budget_per_job / 2, memory_budget_per_job / 4,
                                                  memory_budget_per_job / 4};
  for (size_t i = 0; i < kStreamCount; ++i) {
    streams[i].journal = std::make_unique<journal::StreamJournal>(spool_dir, memory[i], budget, on_data);
  }
}

HeldJob::~HeldJob() {
  if (thread.joinable()) thread.detach(); // never reached: the Agent joins every job thread (see agent.hpp)
}

void HeldJob::append(runner::LogStream stream, std::span<const uint8_t> bytes) {
  if (bytes.empty()) return;
  append_since_ms_ = steady_ms_now();
  streams[stream_index(stream)].journal->append(bytes);
  append_since_ms_ = 0;
}

void HeldJob::system_line(const std::string &line) {
  const std::string text = line + "\n";
  const std::lock_guard lock(system_mutex_);
  append(runner::LogStream::system, {reinterpret_cast<const uint8_t *>(text.data()), text.size()});
}

void HeldJob::release_backpressure() {
  if (released_.exchange(true)) return;
  for (Stream &s : streams) s.journal->release_backpressure();
}

} // namespace hodei::agent
