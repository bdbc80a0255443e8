// The data folder's JSON records: round trips, refusal of unknown formats, atomic replacement, StateStore.
#include "devserver/core/atomic_file.hpp"
#include "devserver/core/record_json.hpp"
#include "devserver/core/state_store.hpp"
#include "server_fixture.hpp"

#include <catch2/catch.hpp>

using namespace hodei::devserver;
using hodei::devserver::test::TempDir;

namespace {

JobRecord sample_job() {
  JobRecord job;
  job.id = "job-7";
  job.seq = 7;
  job.name = "build";
  job.executor = "shell";
  job.spec_json = R"({"name":"build"})";
  job.selector = {{"os", "linux"}};
  job.state = JobState::failed;
  job.lease_epoch = 3;
  job.worker_id = "w-1";
  job.submitted_unix_ms = 100;
  job.updated_unix_ms = 200;
  job.current_step = 2;
  JobResult result;
  result.outcome = Outcome::failed;
  result.exit_code = 2;
  result.steps.push_back(StepResult{0, "compile", StepOutcome::failed, 2, std::nullopt, 10, 20, false});
  result.steps.push_back(StepResult{1, "test", StepOutcome::skipped, std::nullopt, std::nullopt, 0, 0, false});
  result.artifacts.push_back(ArtifactResult{true, "dist/a.tgz", "s3://b/a.tgz", 42, std::string(64, 'a')});
  result.message = "step compile failed";
  result.started_unix_ms = 110;
  result.finished_unix_ms = 190;
  result.log_lengths = {{LogStream::out, 12}, {LogStream::err, 3}};
  job.result = result;
  job.history.push_back(Transition{JobState::queued, 100, 0, std::nullopt, "submitted"});
  job.history.push_back(Transition{JobState::running, 150, 3, 0, "compile"});
  job.cancel_requested = true;
  job.cancel_reason = "why not";
  job.cancel_grace_ms = 500;
  job.rejected_by = {"w-0"};
  return job;
}

WorkerRecord sample_worker() {
  WorkerRecord worker;
  worker.id = "w-abc";
  worker.registration.name = "box";
  worker.registration.version = "1.2.3";
  worker.registration.protocol_versions = {1, 2};
  worker.registration.features = {"resume"};
  worker.registration.labels = {{"gpu", "true"}};
  worker.registration.capacity = 3;
  worker.registration.host = HostFactsRecord{"linux", "amd64", "box", 8, 1 << 30, "6.1"};
  worker.registration.executors.push_back(
      PluginRecord{"dev.hodei.executor.shell", "shell", "1.0.0", 5, {}, "{}", "1.0"});
  worker.registration.artifact_backends.push_back(
      PluginRecord{"dev.hodei.artifacts.s3", "s3", "0.1.0", 0, {"s3"}, "{}", "1.0"});
  worker.protocol_version = 1;
  worker.features = {"resume"};
  worker.registered_unix_ms = 99;
  return worker;
}

} // namespace

TEST_CASE("job and worker records round-trip through JSON", "[devserver][unit][records]") {
  const JobRecord job = sample_job();
  CHECK(job_record_from_json(job_record_to_json(job)) == job);
  JobRecord minimal;
  minimal.id = "job-1";
  minimal.seq = 1;
  CHECK(job_record_from_json(job_record_to_json(minimal)) == minimal);
  const WorkerRecord worker = sample_worker();
  CHECK(worker_record_from_json(worker_record_to_json(worker)) == worker);
}

TEST_CASE("records of another format or with bad values are refused", "[devserver][unit][records]") {
  nlohmann::json json = job_record_to_json(sample_job());
  json["format"] = 2;
  CHECK_THROWS_AS(job_record_from_json(json), RecordFormatError);
  json["format"] = 1;
  json["state"] = "exploded";
  CHECK_THROWS_WITH(job_record_from_json(json), Catch::Contains("exploded"));
  json = job_record_to_json(sample_job());
  json.erase("spec_json");
  CHECK_THROWS_AS(job_record_from_json(json), RecordFormatError);
}

TEST_CASE("StateStore saves through the journal and loads everything back", "[devserver][unit][records]") {
  TempDir dir;
  {
    StateStore store(dir.path());
    store.save_job(sample_job());
    JobRecord changed = sample_job();
    changed.state = JobState::succeeded;
    const uint64_t seq = store.save_job(changed); // replaces
    store.save_worker(sample_worker());
    CHECK(store.wait_durable(seq));
  }
  StateStore store(dir.path());
  const auto &jobs = store.loaded_jobs();
  REQUIRE(jobs.size() == 1);
  JobRecord expected = sample_job();
  expected.state = JobState::succeeded;
  CHECK(jobs[0] == expected); // result, epoch, history: everything
  const auto &workers = store.loaded_workers();
  REQUIRE(workers.size() == 1);
  CHECK(workers[0] == sample_worker());
}

TEST_CASE("StateStore still loads the older layout of one file per record, then moves it into the journal",
          "[devserver][unit][records]") {
  TempDir dir;
  // What the devserver wrote before the journal: jobs/<id>/job.json and workers/<id>.json, pretty-printed.
  std::filesystem::create_directories(dir.path() / "jobs" / "job-7");
  std::filesystem::create_directories(dir.path() / "workers");
  write_file_atomically(dir.path() / "jobs" / "job-7" / "job.json", job_record_to_json(sample_job()).dump(2) + "\n");
  write_file_atomically(dir.path() / "jobs" / "job-7" / "stdout.log", "output");
  write_file_atomically(dir.path() / "workers" / "w-abc.json", worker_record_to_json(sample_worker()).dump(2) + "\n");
  write_file_atomically(dir.path() / "workers" / "w-x.json.tmp", "{"); // a crash mid-write: ignored
  for (int start = 0; start < 2; ++start) {                            // the second start reads the journal's snapshot
    INFO("start " << start);
    const StateStore store(dir.path());
    REQUIRE(store.loaded_jobs().size() == 1);
    CHECK(store.loaded_jobs()[0] == sample_job());
    REQUIRE(store.loaded_workers().size() == 1);
    CHECK(store.loaded_workers()[0] == sample_worker());
    CHECK_FALSE(std::filesystem::exists(dir.path() / "jobs" / "job-7" / "job.json"));
    CHECK_FALSE(std::filesystem::exists(dir.path() / "workers"));
    CHECK(std::filesystem::exists(dir.path() / "jobs" / "job-7" / "stdout.log")); // logs stay where they are
  }
}

TEST_CASE("StateStore refuses a corrupt record of the older layout, naming the file", "[devserver][unit][records]") {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "jobs" / "job-7");
  write_file_atomically(dir.path() / "jobs" / "job-7" / "job.json", "{ not json");
  CHECK_THROWS_WITH(StateStore(dir.path()), Catch::Contains("job-7") && Catch::Contains("job.json"));
}
