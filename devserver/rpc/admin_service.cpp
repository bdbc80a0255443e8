#include "devserver/rpc/admin_service.hpp"

#include "devserver/rpc/enum_mapping.hpp"
#include "devserver/rpc/record_mapping.hpp"
#include "protocol/limits.hpp"

#include <algorithm>
#include <chrono>
#include <spdlog/spdlog.h>

namespace hodei::devserver::rpc {
namespace {

// How often a following StreamLogs re-checks for a cancelled client when nothing changes.
constexpr std::chrono::milliseconds kFollowPoll{200};

template <typename Body> grpc::Status guarded(const char *rpc, Body &&body) {
  try {
    return body();
  } catch (const std::exception &e) {
    spdlog::error("devserver: {} failed: {}", rpc, e.what());
    return {grpc::StatusCode::INTERNAL, std::string(rpc) + " failed: " + e.what()};
  }
}

} // namespace

std::map<LogStream, uint64_t> AdminService::log_sizes(const std::string &job_id) const {
  std::map<LogStream, uint64_t> sizes;
  for (const LogStream stream : kAllLogStreams) sizes[stream] = control_plane_.log_committed(job_id, stream);
  return sizes;
}

grpc::Status AdminService::SubmitJob(grpc::ServerContext *context, const v1::SubmitJobRequest *request,
                                     v1::SubmitJobResponse *response) {
  if (grpc::Status status = auth_.check(*context); !status.ok()) return status;
  return guarded("SubmitJob", [&]() -> grpc::Status {
    try {
      response->set_job_id(
          control_plane_.submit(request->spec_json(), {request->selector().begin(), request->selector().end()}));
      return grpc::Status::OK;
    } catch (const InvalidSubmission &e) {
      return {grpc::StatusCode::INVALID_ARGUMENT, e.what()};
    }
  });
}

grpc::Status AdminService::GetJob(grpc::ServerContext *context, const v1::GetJobRequest *request,
                                  v1::JobInfo *response) {
  if (grpc::Status status = auth_.check(*context); !status.ok()) return status;
  return guarded("GetJob", [&]() -> grpc::Status {
    const auto job = control_plane_.get_job(request->job_id());
    if (!job) return {grpc::StatusCode::NOT_FOUND, "no job " + request->job_id()};
    *response = job_info_to_proto(*job, log_sizes(job->id), true);
    return grpc::Status::OK;
  });
}

grpc::Status AdminService::ListJobs(grpc::ServerContext *context, const v1::ListJobsRequest *request,
                                    v1::ListJobsResponse *response) {
  if (grpc::Status status = auth_.check(*context); !status.ok()) return status;
  return guarded("ListJobs", [&]() -> grpc::Status {
    std::vector<JobRecord> jobs = control_plane_.list_jobs();
    if (request->states_size() > 0) {
      std::erase_if(jobs, [&](const JobRecord &job) {
        return std::none_of(request->states().begin(), request->states().end(),
                            [&](int state) { return job_state_from_proto(state) == job.state; });
      });
    }
    const std::size_t first =
        request->limit() > 0 && jobs.size() > request->limit() ? jobs.size() - request->limit() : 0;
    for (std::size_t i = first; i < jobs.size(); ++i) {
      *response->add_jobs() = job_info_to_proto(jobs[i], log_sizes(jobs[i].id), false);
    }
    return grpc::Status::OK;
  });
}

grpc::Status AdminService::ListWorkers(grpc::ServerContext *context, const v1::ListWorkersRequest * /*request*/,
                                       v1::ListWorkersResponse *response) {
  if (grpc::Status status = auth_.check(*context); !status.ok()) return status;
  return guarded("ListWorkers", [&]() -> grpc::Status {
    for (const WorkerView &worker : control_plane_.list_workers()) {
      *response->add_workers() = worker_info_to_proto(worker);
    }
    return grpc::Status::OK;
  });
}

grpc::Status AdminService::CancelJob(grpc::ServerContext *context, const v1::CancelJobRequest *request,
                                     v1::CancelJobResponse *response) {
  if (grpc::Status status = auth_.check(*context); !status.ok()) return status;
  return guarded("CancelJob", [&]() -> grpc::Status {
    const std::optional<uint64_t> grace =
        request->has_grace_ms() ? std::optional<uint64_t>(request->grace_ms()) : std::nullopt;
    const CancelResult result = control_plane_.cancel(request->job_id(), request->reason(), grace);
    switch (result.outcome) {
    case CancelOutcome::not_found:
      return {grpc::StatusCode::NOT_FOUND, "no job " + request->job_id()};
    case CancelOutcome::already_over:
      return {grpc::StatusCode::FAILED_PRECONDITION,
              request->job_id() + " is already over (" + std::string(to_string(result.state)) + ")"};
    case CancelOutcome::cancelled:
    case CancelOutcome::requested:
      break;
    }
    response->set_state(to_proto(result.state));
    return grpc::Status::OK;
  });
}

grpc::Status AdminService::StreamLogs(grpc::ServerContext *context, const v1::StreamLogsRequest *request,
                                      grpc::ServerWriter<v1::LogView> *writer) {
  if (grpc::Status status = auth_.check(*context); !status.ok()) return status;
  return guarded("StreamLogs", [&]() -> grpc::Status {
    const std::string &job_id = request->job_id();
    if (!control_plane_.get_job(job_id)) return {grpc::StatusCode::NOT_FOUND, "no job " + job_id};
    std::vector<LogStream> streams;
    for (const int value : request->streams()) {
      const auto stream = log_stream_from_proto(value);
      if (!stream) return {grpc::StatusCode::INVALID_ARGUMENT, "unknown log stream " + std::to_string(value)};
      streams.push_back(*stream);
    }
    if (streams.empty()) streams.assign(kAllLogStreams.begin(), kAllLogStreams.end());
    std::map<LogStream, uint64_t> sent;

    while (true) {
      const uint64_t seen = control_plane_.generation();
      // Read the state before the bytes: once the job is over its logs are final, so what is read next is all.
      const std::optional<JobRecord> job = control_plane_.get_job(job_id);
      const bool over = job && is_terminal(job->state);
      for (const LogStream stream : streams) {
        while (true) {
          std::string data = control_plane_.read_log(job_id, stream, sent[stream], protocol::kMaxLogChunkBytes);
          if (data.empty()) break;
          v1::LogView view;
          view.set_stream(to_proto(stream));
          view.set_offset(sent[stream]);
          sent[stream] += data.size();
          view.set_data(std::move(data));
          if (!writer->Write(view)) return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
        }
      }
      if (!request->follow()) return grpc::Status::OK;
      if (over) {
        v1::LogView last;
        last.set_final_state(to_proto(job->state));
        writer->Write(last);
        return grpc::Status::OK;
      }
      if (context->IsCancelled()) return {grpc::StatusCode::CANCELLED, "the client went away"};
      if (control_plane_.stopping()) return {grpc::StatusCode::UNAVAILABLE, "the server is shutting down"};
      control_plane_.wait_for_change(seen, kFollowPoll);
    }
  });
}

grpc::Status AdminService::GetStats(grpc::ServerContext *context, const v1::GetStatsRequest * /*request*/,
                                    v1::Stats *response) {
  if (grpc::Status status = auth_.check(*context); !status.ok()) return status;
  *response = stats_to_proto(control_plane_.stats());
  return grpc::Status::OK;
}

grpc::Status AdminService::DrainWorker(grpc::ServerContext *context, const v1::DrainWorkerRequest *request,
                                       v1::DrainWorkerResponse * /*response*/) {
  if (grpc::Status status = auth_.check(*context); !status.ok()) return status;
  return guarded("DrainWorker", [&]() -> grpc::Status {
    if (!control_plane_.drain(request->worker_id(), request->reason())) {
      return {grpc::StatusCode::NOT_FOUND, "no worker " + request->worker_id()};
    }
    return grpc::Status::OK;
  });
}

} // namespace hodei::devserver::rpc
