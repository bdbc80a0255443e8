#include "devserver/cli/commands.hpp"

#include "devserver/cli/exit_codes.hpp"
#include "devserver/cli/text_table.hpp"
#include "devserver/core/atomic_file.hpp"
#include "devserver/rpc/enum_mapping.hpp"
#include "hodei/worker/v1/admin.grpc.pb.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <google/protobuf/util/json_util.h>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace hodei::devserver::cli {
namespace {

namespace v1 = hodei::worker::v1;

std::unique_ptr<v1::AdminService::Stub> stub_for(const rpc::ClientOptions &client) {
  return v1::AdminService::NewStub(rpc::make_channel(client));
}

// A context with the token and a deadline (none for streams that follow a job).
std::unique_ptr<grpc::ClientContext> context_for(const rpc::ClientOptions &client, bool bounded = true) {
  auto context = std::make_unique<grpc::ClientContext>();
  rpc::authorize(*context, client.token);
  if (bounded) context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return context;
}

int report(const grpc::Status &status, const rpc::ClientOptions &client) {
  std::cerr << "hodei-devserver: " << client.server << ": " << status.error_message() << " (gRPC code "
            << static_cast<int>(status.error_code()) << ")\n";
  if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) return kExitUsage;
  return kExitServer;
}

std::string state_name(int state) {
  const auto parsed = rpc::job_state_from_proto(state);
  return parsed ? std::string(to_string(*parsed)) : "unknown";
}

std::string format_time(int64_t unix_ms) {
  if (unix_ms <= 0) return "-";
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  ::localtime_r(&seconds, &tm);
  std::ostringstream out;
  out << std::put_time(&tm, "%Y-%m-%d %H:%M:%S");
  return out.str();
}

// Writes one LogView's bytes to the terminal: stdout to stdout, the rest to stderr.
void print_log_view(const v1::LogView &view) {
  std::FILE *out = view.stream() == v1::LOG_STREAM_STDOUT ? stdout : stderr;
  std::fwrite(view.data().data(), 1, view.data().size(), out);
  std::fflush(out);
}

// Follows a job's logs to the end; returns the job's final state, or nullopt when the stream broke.
std::optional<JobState> follow_logs(v1::AdminService::Stub &stub, const rpc::ClientOptions &client,
                                    const std::string &job_id, std::optional<LogStream> stream, grpc::Status &status) {
  auto context = context_for(client, false);
  v1::StreamLogsRequest request;
  request.set_job_id(job_id);
  request.set_follow(true);
  if (stream) request.add_streams(rpc::to_proto(*stream));
  auto reader = stub.StreamLogs(context.get(), request);
  v1::LogView view;
  std::optional<JobState> final_state;
  while (reader->Read(&view)) {
    if (view.has_final_state()) final_state = rpc::job_state_from_proto(view.final_state());
    print_log_view(view);
  }
  status = reader->Finish();
  return final_state;
}

} // namespace

int exit_code_for(JobState state) {
  switch (state) {
  case JobState::succeeded:
    return kExitOk;
  case JobState::failed:
    return kExitJobFailed;
  case JobState::cancelled:
    return kExitJobCancelled;
  case JobState::timed_out:
    return kExitJobTimedOut;
  default:
    return kExitJobLostOrError;
  }
}

int submit(const rpc::ClientOptions &client, const SubmitArgs &args) {
  v1::SubmitJobRequest request;
  try {
    request.set_spec_json(read_whole_file(args.file));
  } catch (const std::exception &e) {
    std::cerr << "hodei-devserver: " << e.what() << "\n";
    return kExitUsage;
  }
  for (const auto &[key, value] : args.selector) (*request.mutable_selector())[key] = value;
  auto stub = stub_for(client);
  v1::SubmitJobResponse response;
  const grpc::Status status = stub->SubmitJob(context_for(client).get(), request, &response);
  if (!status.ok()) return report(status, client);
  if (!args.follow) {
    std::cout << response.job_id() << "\n";
    return kExitOk;
  }
  std::cerr << "hodei-devserver: submitted " << response.job_id() << "\n";
  grpc::Status follow_status;
  const std::optional<JobState> state = follow_logs(*stub, client, response.job_id(), std::nullopt, follow_status);
  if (!follow_status.ok()) return report(follow_status, client);
  if (!state) {
    std::cerr << "hodei-devserver: the log stream ended before the job did\n";
    return kExitServer;
  }
  std::cerr << "hodei-devserver: " << response.job_id() << " " << to_string(*state) << "\n";
  return exit_code_for(*state);
}

int list_jobs(const rpc::ClientOptions &client) {
  v1::ListJobsResponse response;
  const grpc::Status status = stub_for(client)->ListJobs(context_for(client).get(), {}, &response);
  if (!status.ok()) return report(status, client);
  TextTable table({"ID", "STATE", "EPOCH", "WORKER", "SUBMITTED", "NAME"});
  for (const v1::JobInfo &job : response.jobs()) {
    table.add_row({job.job_id(), state_name(job.state()), std::to_string(job.lease_epoch()),
                   job.worker_id().empty() ? "-" : job.worker_id(), format_time(job.submitted_unix_ms()), job.name()});
  }
  table.print(std::cout);
  return kExitOk;
}

int list_workers(const rpc::ClientOptions &client, bool json) {
  v1::ListWorkersResponse response;
  const grpc::Status status = stub_for(client)->ListWorkers(context_for(client).get(), {}, &response);
  if (!status.ok()) return report(status, client);
  if (json) {
    std::string text;
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.preserve_proto_field_names = true;
    (void)google::protobuf::util::MessageToJsonString(response, &text, options);
    std::cout << text << "\n";
    return kExitOk;
  }
  TextTable table({"ID", "NAME", "SESSION", "STREAM", "CREDITS", "JOBS", "LAST HEARTBEAT", "EXECUTORS"});
  for (const v1::WorkerInfo &worker : response.workers()) {
    std::string executors;
    for (const v1::PluginDescriptor &plugin : worker.executors()) {
      executors += (executors.empty() ? "" : ",") + (plugin.short_name().empty() ? plugin.id() : plugin.short_name());
    }
    const std::string session = !worker.session_alive() ? "gone" : worker.draining() ? "draining" : "alive";
    table.add_row({worker.worker_id(), worker.name(), session, worker.stream_connected() ? "yes" : "no",
                   std::to_string(worker.available_credits()), std::to_string(worker.jobs_size()),
                   format_time(worker.last_heartbeat_unix_ms()), executors});
  }
  table.print(std::cout);
  return kExitOk;
}

int show_job(const rpc::ClientOptions &client, const std::string &job_id) {
  v1::GetJobRequest request;
  request.set_job_id(job_id);
  v1::JobInfo response;
  const grpc::Status status = stub_for(client)->GetJob(context_for(client).get(), request, &response);
  if (!status.ok()) return report(status, client);
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(response, &json, options);
  std::cout << json << "\n";
  return kExitOk;
}

int cancel_job(const rpc::ClientOptions &client, const std::string &job_id, const std::string &reason,
               std::optional<uint64_t> grace_ms) {
  v1::CancelJobRequest request;
  request.set_job_id(job_id);
  request.set_reason(reason);
  if (grace_ms) request.set_grace_ms(*grace_ms);
  v1::CancelJobResponse response;
  const grpc::Status status = stub_for(client)->CancelJob(context_for(client).get(), request, &response);
  if (!status.ok()) return report(status, client);
  const std::string state = state_name(response.state());
  std::cout << job_id << ": " << (state == "cancelled" ? "cancelled" : "cancel requested (" + state + ")") << "\n";
  return kExitOk;
}

int show_logs(const rpc::ClientOptions &client, const std::string &job_id, std::optional<LogStream> stream,
              bool follow) {
  auto stub = stub_for(client);
  if (follow) {
    grpc::Status status;
    const std::optional<JobState> state = follow_logs(*stub, client, job_id, stream, status);
    if (!status.ok()) return report(status, client);
    return state ? kExitOk : kExitServer;
  }
  auto context = context_for(client);
  v1::StreamLogsRequest request;
  request.set_job_id(job_id);
  if (stream) request.add_streams(rpc::to_proto(*stream));
  auto reader = stub->StreamLogs(context.get(), request);
  v1::LogView view;
  while (reader->Read(&view)) print_log_view(view);
  const grpc::Status status = reader->Finish();
  return status.ok() ? kExitOk : report(status, client);
}

int show_stats(const rpc::ClientOptions &client) {
  v1::Stats response;
  const grpc::Status status = stub_for(client)->GetStats(context_for(client).get(), {}, &response);
  if (!status.ok()) return report(status, client);
  const google::protobuf::Descriptor &descriptor = *response.GetDescriptor();
  const google::protobuf::Reflection &reflection = *response.GetReflection();
  for (int i = 0; i < descriptor.field_count(); ++i) {
    const google::protobuf::FieldDescriptor &field = *descriptor.field(i);
    if (field.cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_UINT64) continue;
    std::cout << field.name() << ": " << reflection.GetUInt64(response, &field) << "\n";
  }
  return kExitOk;
}

int drain_worker(const rpc::ClientOptions &client, const std::string &worker_id, const std::string &reason) {
  v1::DrainWorkerRequest request;
  request.set_worker_id(worker_id);
  request.set_reason(reason);
  v1::DrainWorkerResponse response;
  const grpc::Status status = stub_for(client)->DrainWorker(context_for(client).get(), request, &response);
  if (!status.ok()) return report(status, client);
  std::cout << worker_id << ": draining\n";
  return kExitOk;
}

} // namespace hodei::devserver::cli
