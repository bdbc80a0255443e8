// Small pure rules: durations, executor and label matching, exit codes, token comparison.
#include "devserver/cli/commands.hpp"
#include "devserver/cli/duration.hpp"
#include "devserver/cli/exit_codes.hpp"
#include "devserver/core/matching.hpp"
#include "devserver/rpc/bearer_auth.hpp"

#include <catch2/catch.hpp>

using namespace hodei::devserver;
using namespace std::chrono_literals;

TEST_CASE("durations on the command line", "[devserver][unit][cli]") {
  CHECK(cli::parse_duration("250ms") == 250ms);
  CHECK(cli::parse_duration("30s") == 30s);
  CHECK(cli::parse_duration("30") == 30s);
  CHECK(cli::parse_duration("5m") == 5min);
  CHECK(cli::parse_duration("1h") == 1h);
  CHECK_FALSE(cli::parse_duration(""));
  CHECK_FALSE(cli::parse_duration("-1s"));
  CHECK_FALSE(cli::parse_duration("1d"));
  CHECK_FALSE(cli::parse_duration("s"));
  CHECK_FALSE(cli::parse_duration("99999999999999999999h"));
}

TEST_CASE("executor and label matching", "[devserver][unit][matching]") {
  const std::vector<PluginRecord> executors{PluginRecord{"dev.hodei.executor.shell", "shell", "1", 0, {}, "{}", "1.0"},
                                            PluginRecord{"com.acme.executor.docker", "", "1", 0, {}, "{}", "1.0"}};
  CHECK(executor_matches("shell", executors));
  CHECK(executor_matches("dev.hodei.executor.shell", executors));
  CHECK(executor_matches("docker", executors)); // short name derived from the id
  CHECK_FALSE(executor_matches("dev.hodei.executor.docker", executors));
  CHECK_FALSE(executor_matches("podman", executors));
  CHECK(short_name_of("a.b.c") == "c");
  CHECK(short_name_of("c") == "c");

  CHECK(selector_matches({}, {}));
  CHECK(selector_matches({{"os", "linux"}}, {{"os", "linux"}, {"gpu", "true"}}));
  CHECK_FALSE(selector_matches({{"os", "linux"}}, {{"os", "darwin"}}));
  CHECK_FALSE(selector_matches({{"gpu", "true"}}, {}));
}

TEST_CASE("submit --follow exit codes", "[devserver][unit][cli]") {
  CHECK(cli::exit_code_for(JobState::succeeded) == 0);
  CHECK(cli::exit_code_for(JobState::failed) == 1);
  CHECK(cli::exit_code_for(JobState::lost) == 3);
  CHECK(cli::exit_code_for(JobState::error) == 3);
  CHECK(cli::exit_code_for(JobState::timed_out) == 124);
  CHECK(cli::exit_code_for(JobState::cancelled) == 130);
}

TEST_CASE("token comparison", "[devserver][unit][auth]") {
  CHECK(rpc::constant_time_equals("Bearer abc", "Bearer abc"));
  CHECK_FALSE(rpc::constant_time_equals("Bearer abc", "Bearer abd"));
  CHECK_FALSE(rpc::constant_time_equals("Bearer abc", "Bearer abcd"));
  CHECK_FALSE(rpc::constant_time_equals("", "x"));
  CHECK(rpc::constant_time_equals("", ""));
}
