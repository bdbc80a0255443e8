#include "server_fixture.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <spdlog/spdlog.h>
#include <thread>

namespace hodei::devserver::test {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "hodei-devserver-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

ServerFixture::ServerFixture(FixtureOptions options) : options_(std::move(options)) { start(); }

ServerFixture::~ServerFixture() { stop(); }

void ServerFixture::start() {
  // The server's info lines drown the test output; HODEI_TEST_VERBOSE=1 shows them.
  if (std::getenv("HODEI_TEST_VERBOSE") == nullptr) spdlog::set_level(spdlog::level::warn);
  DevServerOptions options;
  options.listen = "127.0.0.1:" + std::to_string(port_); // 0 the first time: the OS picks
  options.data_dir = dir_.path();
  options.token = options_.token;
  options.lease_timeout = options_.lease_timeout;
  options.log_sync = options_.log_sync;
  options.shutdown_grace = std::chrono::milliseconds(500);
  server_ = std::make_unique<DevServer>(options);
  port_ = server_->port();
}

void ServerFixture::stop() {
  if (server_) server_->stop();
  server_.reset();
}

void ServerFixture::restart() {
  stop();
  start();
}

WorkerClientOptions ServerFixture::worker_options() const {
  WorkerClientOptions options;
  options.address = address();
  options.token = options_.token;
  return options;
}

std::string ServerFixture::submit(const std::string &spec_json, const std::map<std::string, std::string> &selector) {
  return control_plane().submit(spec_json, selector);
}

JobRecord ServerFixture::job(const std::string &job_id) {
  auto job = control_plane().get_job(job_id);
  if (!job) throw std::runtime_error("no job " + job_id);
  return *job;
}

bool ServerFixture::wait_until(const std::function<bool()> &condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

bool ServerFixture::wait_for_state(const std::string &job_id, JobState state, std::chrono::milliseconds timeout) {
  return wait_until([&] { return job(job_id).state == state; }, timeout);
}

std::unique_ptr<v1::AdminService::Stub> ServerFixture::admin() const {
  return v1::AdminService::NewStub(grpc::CreateChannel(address(), grpc::InsecureChannelCredentials()));
}

std::unique_ptr<grpc::ClientContext> ServerFixture::admin_context() const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (options_.token) context->AddMetadata("authorization", "Bearer " + *options_.token);
  context->set_deadline(std::chrono::system_clock::now() + kWait);
  return context;
}

std::string job_json(const std::string &name, const std::string &executor) {
  return R"({"name": ")" + name + R"(", "executor": ")" + executor +
         R"(", "steps": [{"name": "build", "run": "echo hello"}]})";
}

std::unique_ptr<WorkerClient> connected_worker(const WorkerClientOptions &options) {
  auto worker = std::make_unique<WorkerClient>(options);
  v1::RegisterResponse response;
  const grpc::Status status = worker->register_worker(&response);
  REQUIRE(status.ok());
  REQUIRE(response.has_accepted());
  REQUIRE(worker->connect());
  REQUIRE(worker->wait_for(v1::ServerMessage::kResumeAck));
  return worker;
}

} // namespace hodei::devserver::test
