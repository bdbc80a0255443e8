// Test fixture: a real DevServer in this process on 127.0.0.1 (port picked by the OS) over a temporary data
// folder, plus helpers to submit jobs and wait for states with bounded timeouts.
#pragma once

#include "devserver/dev_server.hpp"
#include "hodei/worker/v1/admin.grpc.pb.h"
#include "worker_client.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace hodei::devserver::test {

// A fresh folder under the system temp dir, removed with its content by the destructor.
class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  [[nodiscard]] const std::filesystem::path &path() const { return path_; }

private:
  std::filesystem::path path_;
};

struct FixtureOptions {
  std::optional<std::string> token;
  std::chrono::milliseconds lease_timeout = std::chrono::seconds(30);
  LogSync log_sync = LogSync::fsync;
};

class ServerFixture {
public:
  explicit ServerFixture(FixtureOptions options = {});
  ~ServerFixture();

  // Stops the server (the full shutdown order) and starts a new one on the same data folder and port.
  void restart();
  void stop();

  [[nodiscard]] std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] ControlPlane &control_plane() { return server_->control_plane(); }
  [[nodiscard]] const std::filesystem::path &data_dir() const { return dir_.path(); }
  [[nodiscard]] WorkerClientOptions worker_options() const;

  std::string submit(const std::string &spec_json, const std::map<std::string, std::string> &selector = {});
  [[nodiscard]] JobRecord job(const std::string &job_id);
  // Polls `condition` every 10 ms until it holds or `timeout` passes.
  static bool wait_until(const std::function<bool()> &condition, std::chrono::milliseconds timeout = kWait);
  bool wait_for_state(const std::string &job_id, JobState state, std::chrono::milliseconds timeout = kWait);

  // AdminService over gRPC (with the fixture's token).
  [[nodiscard]] std::unique_ptr<v1::AdminService::Stub> admin() const;
  [[nodiscard]] std::unique_ptr<grpc::ClientContext> admin_context() const;

private:
  void start();

  FixtureOptions options_;
  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<DevServer> server_;
};

// A valid job spec JSON with one step.
std::string job_json(const std::string &name = "job", const std::string &executor = "shell");

// A registered and connected worker (Hello + empty Resume sent, ResumeAck received).
std::unique_ptr<WorkerClient> connected_worker(const WorkerClientOptions &options);

} // namespace hodei::devserver::test
