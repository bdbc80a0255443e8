// AdminService: the operator API used by the devserver's CLI (sync gRPC API; StreamLogs with follow holds its
// handler thread until the job is over, the client goes away, or the server shuts down).
#pragma once

#include "devserver/core/control_plane.hpp"
#include "devserver/rpc/bearer_auth.hpp"
#include "hodei/worker/v1/admin.grpc.pb.h"

namespace hodei::devserver::rpc {

class AdminService final : public hodei::worker::v1::AdminService::Service {
public:
  AdminService(ControlPlane &control_plane, const BearerAuth &auth) : control_plane_(control_plane), auth_(auth) {}

  grpc::Status SubmitJob(grpc::ServerContext *context, const hodei::worker::v1::SubmitJobRequest *request,
                         hodei::worker::v1::SubmitJobResponse *response) override;
  grpc::Status GetJob(grpc::ServerContext *context, const hodei::worker::v1::GetJobRequest *request,
                      hodei::worker::v1::JobInfo *response) override;
  grpc::Status ListJobs(grpc::ServerContext *context, const hodei::worker::v1::ListJobsRequest *request,
                        hodei::worker::v1::ListJobsResponse *response) override;
  grpc::Status ListWorkers(grpc::ServerContext *context, const hodei::worker::v1::ListWorkersRequest *request,
                           hodei::worker::v1::ListWorkersResponse *response) override;
  grpc::Status CancelJob(grpc::ServerContext *context, const hodei::worker::v1::CancelJobRequest *request,
                         hodei::worker::v1::CancelJobResponse *response) override;
  grpc::Status StreamLogs(grpc::ServerContext *context, const hodei::worker::v1::StreamLogsRequest *request,
                          grpc::ServerWriter<hodei::worker::v1::LogView> *writer) override;
  grpc::Status GetStats(grpc::ServerContext *context, const hodei::worker::v1::GetStatsRequest *request,
                        hodei::worker::v1::Stats *response) override;
  grpc::Status DrainWorker(grpc::ServerContext *context, const hodei::worker::v1::DrainWorkerRequest *request,
                           hodei::worker::v1::DrainWorkerResponse *response) override;

private:
  std::map<LogStream, uint64_t> log_sizes(const std::string &job_id) const;

  ControlPlane &control_plane_;
  const BearerAuth &auth_;
};

} // namespace hodei::devserver::rpc
