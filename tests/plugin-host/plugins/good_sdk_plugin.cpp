// A good executor written with the C++ SDK. Built several times with different ids (HODEI_TEST_ID), once with clang.
//
// Each step writes its `run` text plus "\n" to stdout, except:
//   run == "block": waits until the job is cancelled (the step then ends with term_signal 9);
//   run == "fail":  exits 1 (stops the job unless continue_on_error).
// options_json other than "{}" fails validation with "good.options: ...", and a job named "refuse-start" fails to
// start with HODEI_ERR_UNAVAILABLE. Events go to the host log ("start <job>", "cancel <mode>", "destroy <job>").
#include <condition_variable>
#include <hodei/sdk.hpp>
#include <mutex>
#include <thread>

#ifndef HODEI_TEST_ID
#error "HODEI_TEST_ID must name the plugin id"
#endif
#ifndef HODEI_TEST_CAPS
#define HODEI_TEST_CAPS HODEI_CAP_EXECUTOR_FINGERPRINT
#endif

namespace {

using namespace hodei::sdk;

class EchoJob final : public Job {
public:
  EchoJob(const Host &host, JobSpec spec, OutputSink sink) : host_(host), spec_(std::move(spec)), sink_(sink) {
    worker_ = std::thread([this] { run(); });
  }
  ~EchoJob() override {
    cancel(CancelMode::force, std::chrono::milliseconds(0));
    worker_.join();
    host_.info("destroy " + spec_.id);
  }

  std::optional<JobResult> wait(std::chrono::milliseconds timeout) override {
    std::unique_lock<std::mutex> lock(mutex_);
    auto done = [this] { return result_.has_value(); };
    if (timeout.count() < 0) {
      cv_.wait(lock, done);
    } else if (!cv_.wait_for(lock, timeout, done)) {
      return std::nullopt;
    }
    return result_;
  }

  void cancel(CancelMode mode, std::chrono::milliseconds) override {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (cancelled_) return;
      cancelled_ = true;
    }
    host_.info(std::string("cancel ") + (mode == CancelMode::force ? "force" : "graceful"));
    cv_.notify_all();
  }

private:
  void run() {
    JobResult result;
    result.outcome = Outcome::succeeded;
    for (uint32_t i = 0; i < spec_.steps.size(); ++i) {
      if (is_cancelled()) break;
      const StepSpec &step = spec_.steps[i];
      StepResult r;
      r.index = i;
      r.started = std::chrono::system_clock::now();
      sink_.step_started(i);
      if (step.run == "block") {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [this] { return cancelled_; });
        r.term_signal = 9;
      } else if (step.run == "fail") {
        r.exit_code = 1;
      } else {
        r.exit_code = 0;
        if (!sink_.write(Stream::out, step.run + "\n")) {
          const std::lock_guard<std::mutex> lock(mutex_);
          cancelled_ = true; // the host wants no more output
        }
      }
      sink_.step_finished(r);
      ++result.steps_run;
      result.exit_code = r.exit_code;
      result.term_signal = r.term_signal;
      if (r.exit_code != 0 && r.term_signal == 0 && !step.continue_on_error) {
        result.outcome = Outcome::failed;
        break;
      }
    }
    if (is_cancelled()) result.outcome = Outcome::cancelled;
    const std::lock_guard<std::mutex> lock(mutex_);
    result_ = result;
    cv_.notify_all();
  }

  bool is_cancelled() {
    const std::lock_guard<std::mutex> lock(mutex_);
    return cancelled_;
  }

  Host host_;
  JobSpec spec_;
  OutputSink sink_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool cancelled_ = false;
  std::optional<JobResult> result_;
  std::thread worker_; // last: started once everything above exists
};

class GoodExecutor final : public Executor {
public:
  static constexpr PluginInfo info{HODEI_TEST_ID, "Good test executor", "2.1.0-rc.1+build.5", "echoes its steps",
                                   HODEI_TEST_CAPS};

  GoodExecutor(const Host &host, std::string_view config_json) : host_(host) {
    host_.info("init config=" + std::string(config_json));
  }

  void validate(const JobSpec &spec) override {
    if (spec.options_json != "{}") throw invalid_argument("good.options: this executor takes no options");
  }

  std::unique_ptr<Job> start(const JobSpec &spec, OutputSink sink) override {
    if (spec.name == "refuse-start") throw Error(HODEI_ERR_UNAVAILABLE, "the echo daemon is not running");
    host_.info("start " + spec.id);
    return std::make_unique<EchoJob>(host_, spec, sink);
  }

  std::string fingerprint() override {
#if defined(__clang__)
    return R"({"compiler":"clang"})";
#else
    return R"({"compiler":"gcc"})";
#endif
  }

private:
  Host host_;
};

} // namespace

HODEI_PLUGIN(GoodExecutor)
