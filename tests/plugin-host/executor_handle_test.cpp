// ExecutorHandle / RunningJob over real plugins: running, waiting, cancelling, errors, the output adapter.
#include "plugin_registry.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>
#include <hodei/plugin_api.h>
#include <stdexcept>
#include <thread>

using namespace hodei::plugins;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using hodei::test::CollectingReceiver;
using hodei::test::LogCapture;
using hodei::test::spec_with_steps;
using hodei::test::TempPluginDir;

namespace {
constexpr std::chrono::milliseconds kForever{-1};

// A registry over the C plugin and the C++ SDK "good" plugin, in its own folder.
struct Fixture {
  TempPluginDir dir;
  std::unique_ptr<PluginRegistry> registry;
  Fixture() {
    dir.add("libhodei_test_c.so");
    dir.add("libhodei_test_good.so");
    dir.add("libhodei_test_good_alt.so");
    registry = std::make_unique<PluginRegistry>(hodei::test::options_for(dir.path()));
    REQUIRE(registry->refusals().empty());
  }
  std::shared_ptr<ExecutorHandle> executor(const std::string &name) const {
    auto handle = registry->executor(name);
    REQUIRE(handle);
    return handle;
  }
};
} // namespace

TEST_CASE("the pure-C executor runs a job end to end and the receiver gets hello from C", "[executor]") {
  const Fixture f;
  CollectingReceiver receiver;
  auto job = f.executor("c")->start(spec_with_steps({"true"}), receiver);
  const auto result = job->wait(kForever);
  REQUIRE(result);
  CHECK(result->outcome == Outcome::succeeded);
  CHECK(result->exit_code == 0);
  CHECK(result->steps_run == 1);
  CHECK(result->message.empty());
  CHECK(receiver.out() == "hello from C\n");
  CHECK(receiver.err().empty());
  CHECK(receiver.events() == std::vector<std::string>{"started 0", "finished 0 exit 0"});
  // wait after the end returns the same result again
  const auto again = job->wait(0ms);
  REQUIRE(again);
  CHECK(again->outcome == Outcome::succeeded);
}

TEST_CASE("the C++ SDK executor streams each step's output and events in order", "[executor]") {
  const Fixture f;
  CollectingReceiver receiver;
  auto job = f.executor("dev.hodei.test.good")->start(spec_with_steps({"one", "two", "three"}), receiver);
  const auto result = job->wait(kForever);
  REQUIRE(result);
  CHECK(result->outcome == Outcome::succeeded);
  CHECK(result->steps_run == 3);
  CHECK(receiver.out() == "one\ntwo\nthree\n");
  CHECK(receiver.events() == std::vector<std::string>{"started 0", "finished 0 exit 0", "started 1",
                                                      "finished 1 exit 0", "started 2", "finished 2 exit 0"});
}

TEST_CASE("a failing step stops the job with outcome failed and its exit code", "[executor]") {
  const Fixture f;
  CollectingReceiver receiver;
  auto job = f.executor("dev.hodei.test.good")->start(spec_with_steps({"one", "fail", "never"}), receiver);
  const auto result = job->wait(kForever);
  REQUIRE(result);
  CHECK(result->outcome == Outcome::failed);
  CHECK(result->exit_code == 1);
  CHECK(result->steps_run == 2);
  CHECK(receiver.out() == "one\n");
}

TEST_CASE("a RunningJob that is never waited is cancelled, waited and destroyed by its destructor", "[executor]") {
  const LogCapture log;
  const Fixture f;
  CollectingReceiver receiver;

  SECTION("a job that already ended (C plugin)") {
    auto job = f.executor("c")->start(spec_with_steps({"x"}), receiver);
    job.reset();
    CHECK(log.contains("[dev.hodei.test.c] cancel mode=1"));
    CHECK(log.contains("[dev.hodei.test.c] destroy"));
  }
  SECTION("a job blocked in a step (C++ SDK plugin)") {
    auto job = f.executor("dev.hodei.test.good")->start(spec_with_steps({"block"}, "blocked-job"), receiver);
    job.reset(); // must not hang
    const long cancelled = log.index_of("[dev.hodei.test.good] cancel force");
    const long destroyed = log.index_of("[dev.hodei.test.good] destroy blocked-job");
    CHECK(cancelled >= 0);
    CHECK(destroyed > cancelled);
  }
}

TEST_CASE("wait with a timeout returns nothing while the job runs, cancel then ends it as cancelled", "[executor]") {
  const Fixture f;
  CollectingReceiver receiver;
  auto job = f.executor("dev.hodei.test.good")->start(spec_with_steps({"block", "never"}), receiver);
  CHECK_FALSE(job->wait(0ms));
  CHECK_FALSE(job->wait(20ms));
  job->cancel(CancelMode::graceful, 5s);
  job->cancel(CancelMode::force, 0ms); // idempotent
  const auto result = job->wait(kForever);
  REQUIRE(result);
  CHECK(result->outcome == Outcome::cancelled);
  CHECK(result->term_signal == 9);
  CHECK(result->steps_run == 1);
}

TEST_CASE("cancel from another thread ends a job a waiter is blocked on", "[executor]") {
  const Fixture f;
  CollectingReceiver receiver;
  auto job = f.executor("dev.hodei.test.good")->start(spec_with_steps({"block"}), receiver);
  std::thread canceller([&job] {
    std::this_thread::sleep_for(20ms);
    job->cancel(CancelMode::graceful, 1s);
  });
  const auto result = job->wait(kForever);
  canceller.join();
  REQUIRE(result);
  CHECK(result->outcome == Outcome::cancelled);
}

TEST_CASE("validate reports the plugin's status and message as PluginCallError", "[executor][errors]") {
  const Fixture f;
  ExecSpec spec = spec_with_steps({"x"});
  spec.options_json = R"({"unexpected":true})";
  try {
    f.executor("dev.hodei.test.good")->validate(spec);
    FAIL("validate accepted options the executor does not take");
  } catch (const PluginCallError &e) {
    CHECK(e.status() == HODEI_ERR_INVALID_ARGUMENT);
    CHECK(std::string(e.what()) == "dev.hodei.test.good: validate failed with HODEI_ERR_INVALID_ARGUMENT: "
                                   "good.options: this executor takes no options");
  }
  spec.options_json = "{}";
  CHECK_NOTHROW(f.executor("dev.hodei.test.good")->validate(spec));
}

TEST_CASE("a start failure throws PluginCallError with the plugin's status and message", "[executor][errors]") {
  const Fixture f;
  ExecSpec spec = spec_with_steps({"x"});
  spec.job_name = "refuse-start";
  CollectingReceiver receiver;
  try {
    (void)f.executor("dev.hodei.test.good")->start(spec, receiver);
    FAIL("start succeeded");
  } catch (const PluginCallError &e) {
    CHECK(e.status() == HODEI_ERR_UNAVAILABLE);
    CHECK_THAT(e.what(), Contains("dev.hodei.test.good: start failed with HODEI_ERR_UNAVAILABLE: the echo daemon is "
                                  "not running"));
  }
}

TEST_CASE("an exception from the output receiver never reaches the plugin and is re-thrown by wait",
          "[executor][receiver]") {
  const LogCapture log;
  const Fixture f;
  CollectingReceiver receiver;
  receiver.throw_on_output = [] { throw std::domain_error("the log store is full"); };
  auto job =
      f.executor("dev.hodei.test.good")->start(spec_with_steps({"one", "two", "three"}, "receiver-job"), receiver);
  CHECK_THROWS_MATCHES(job->wait(kForever), std::domain_error, Catch::Message("the log store is full"));
  CHECK(receiver.out().empty());
  job.reset();
  CHECK(log.contains("[dev.hodei.test.good] destroy receiver-job"));
}

TEST_CASE("a receiver that refuses output makes the sink report cancelled to the plugin", "[executor][receiver]") {
  const Fixture f;
  CollectingReceiver receiver;
  receiver.refuse_output = true;
  auto job = f.executor("dev.hodei.test.good")->start(spec_with_steps({"one", "two"}), receiver);
  const auto result = job->wait(kForever);
  REQUIRE(result);
  CHECK(result->outcome == Outcome::cancelled); // the SDK plugin stops when write returns HODEI_ERR_CANCELLED
  CHECK(receiver.out() == "one\n");
}

TEST_CASE("fingerprint returns the plugin's JSON object, or nothing without the capability", "[executor]") {
  const Fixture f;
  CHECK(f.executor("c")->fingerprint() == std::optional<std::string>(R"({"language":"c","standard":199901})"));
  CHECK(f.executor("dev.hodei.test.good")->fingerprint() == std::optional<std::string>(R"({"compiler":"gcc"})"));
  CHECK(f.executor("com.example.good")->fingerprint() == std::nullopt);
}

TEST_CASE("the job spec reaches the plugin: a C executor rejects options it does not take", "[executor]") {
  const Fixture f;
  ExecSpec spec = spec_with_steps({"x"});
  spec.options_json = R"({"c":1})";
  CHECK_THROWS_MATCHES(f.executor("c")->validate(spec), PluginCallError,
                       Catch::Message("dev.hodei.test.c: validate failed with HODEI_ERR_INVALID_ARGUMENT: c: this "
                                      "executor takes no options"));
}

TEST_CASE("many jobs run concurrently on one executor", "[executor]") {
  const Fixture f;
  const auto executor = f.executor("dev.hodei.test.good");
  std::vector<std::unique_ptr<CollectingReceiver>> receivers;
  std::vector<std::unique_ptr<RunningJob>> jobs;
  for (int i = 0; i < 16; ++i) {
    receivers.push_back(std::make_unique<CollectingReceiver>());
    jobs.push_back(
        executor->start(spec_with_steps({"job " + std::to_string(i)}, "j" + std::to_string(i)), *receivers.back()));
  }
  for (size_t i = 0; i < jobs.size(); ++i) {
    const auto result = jobs[i]->wait(kForever);
    REQUIRE(result);
    CHECK(result->outcome == Outcome::succeeded);
    CHECK(receivers[i]->out() == "job " + std::to_string(i) + "\n");
  }
}
