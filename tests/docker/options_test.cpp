// Parsing and checking without a daemon: the job's docker options, the plugin config, and the request bodies built
// from them (labels, mounts, where the environment and the secrets go).
#include "container_spec.hpp"
#include "docker_api.hpp"
#include "job_options.hpp"
#include "plugin_config.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <unistd.h>

using namespace hodei::docker;
using hodei::sdk::Error;

namespace {

PluginConfig config_with(const std::string &json) { return PluginConfig::parse(json, nullptr); }

std::string error_of(const std::string &options, const PluginConfig &config = PluginConfig{}) {
  try {
    JobOptions::parse(options, config);
  } catch (const Error &e) {
    CHECK(e.status() == HODEI_ERR_INVALID_ARGUMENT);
    return e.what();
  }
  return "(no error)";
}

} // namespace

TEST_CASE("options: byte sizes", "[docker][options]") {
  CHECK(parse_byte_size("512m") == int64_t{512} << 20);
  CHECK(parse_byte_size("512M") == int64_t{512} << 20);
  CHECK(parse_byte_size("1g") == int64_t{1} << 30);
  CHECK(parse_byte_size("1GB") == int64_t{1} << 30);
  CHECK(parse_byte_size("1.5g") == (int64_t{3} << 30) / 2);
  CHECK(parse_byte_size("64k") == 65536);
  CHECK(parse_byte_size("100") == 100);
  CHECK(parse_byte_size("100b") == 100);
  CHECK(parse_byte_size("2t") == int64_t{2} << 40);
  CHECK_FALSE(parse_byte_size(""));
  CHECK_FALSE(parse_byte_size("m"));
  CHECK_FALSE(parse_byte_size("lots"));
  CHECK_FALSE(parse_byte_size("12x"));
  CHECK_FALSE(parse_byte_size("-5m"));
  CHECK_FALSE(parse_byte_size("1.5"));
  CHECK_FALSE(parse_byte_size("1..5m"));
  CHECK_FALSE(parse_byte_size("5mbb"));
  CHECK_FALSE(parse_byte_size("99999999999t"));
}

TEST_CASE("options: a full, valid docker object", "[docker][options]") {
  const PluginConfig config = config_with(R"({"allowed_mount_sources": ["/srv/cache"], "allow_privileged": true,
                                              "allowed_networks": ["none", "ci-net"]})");
  const JobOptions o = JobOptions::parse(R"({
      "image": "registry.example.com/team/build:1.2@sha256:abc", "pull": "always",
      "shell": ["/bin/bash", "-eo", "pipefail", "-c"], "entrypoint": ["/entry.sh"], "user": "1000:1000",
      "memory": "512m", "cpus": 1.5, "pids_limit": 256, "network": "ci-net",
      "mounts": [{"source": "/srv/cache/npm/", "target": "/root/.npm", "read_only": false}],
      "privileged": true, "read_only_rootfs": true, "cap_drop": ["ALL"], "no_new_privileges": true})",
                                         config);
  CHECK(o.image == "registry.example.com/team/build:1.2@sha256:abc");
  CHECK(o.pull_policy == PullPolicy::always);
  CHECK(o.shell == std::vector<std::string>{"/bin/bash", "-eo", "pipefail", "-c"});
  CHECK(o.entrypoint == std::vector<std::string>{"/entry.sh"});
  CHECK(o.user == "1000:1000");
  CHECK(o.memory == int64_t{512} << 20);
  CHECK(o.nano_cpus == 1500000000);
  CHECK(o.pids_limit == 256);
  CHECK(o.network == "ci-net");
  REQUIRE(o.mounts.size() == 1);
  CHECK(o.mounts[0].source == "/srv/cache/npm");
  CHECK(o.mounts[0].target == "/root/.npm");
  CHECK_FALSE(o.mounts[0].read_only);
  CHECK(o.privileged);
  CHECK(o.read_only_rootfs);
  CHECK(o.cap_drop == std::vector<std::string>{"ALL"});
  CHECK(o.no_new_privileges);
}

TEST_CASE("options: defaults", "[docker][options]") {
  const JobOptions o = JobOptions::parse(R"({"image": "busybox"})", PluginConfig{});
  CHECK(o.pull_policy == PullPolicy::if_not_present);
  CHECK(o.shell == std::vector<std::string>{"/bin/sh", "-c"});
  CHECK(o.entrypoint.empty());
  CHECK(o.network == "none");
  CHECK_FALSE(o.memory);
  CHECK_FALSE(o.privileged);
  CHECK(JobOptions::parse(R"({"image": "busybox"})", config_with(R"({"default_network": "bridge"})")).network ==
        "bridge");
}

TEST_CASE("options: every error names the field", "[docker][options]") {
  CHECK_THAT(error_of("{}"), Catch::StartsWith("docker.image: missing"));
  CHECK_THAT(error_of("[]"), Catch::StartsWith("docker: expected a JSON object"));
  CHECK_THAT(error_of("{nope"), Catch::StartsWith("docker: not valid JSON"));
  CHECK_THAT(error_of(R"({"image": ""})"), Catch::StartsWith("docker.image: expected an image reference"));
  CHECK_THAT(error_of(R"({"image": "a b"})"), Catch::StartsWith("docker.image: \"a b\" is not a valid"));
  CHECK_THAT(error_of(R"({"image": "x", "imge": "y"})"), Catch::StartsWith("docker.imge: unknown field"));
  CHECK_THAT(error_of(R"({"image": "x", "pull": "sometimes"})"),
             Catch::StartsWith("docker.pull: expected \"never\", \"if-not-present\" or \"always\""));
  CHECK_THAT(error_of(R"({"image": "x", "memory": "lots"})"),
             Catch::StartsWith("docker.memory: expected a size like \"512m\""));
  CHECK_THAT(error_of(R"({"image": "x", "memory": 1.5})"), Catch::StartsWith("docker.memory: expected a size"));
  CHECK_THAT(error_of(R"({"image": "x", "memory": "1m"})"), Catch::StartsWith("docker.memory: at least 6m"));
  CHECK_THAT(error_of(R"({"image": "x", "cpus": 0})"), Catch::StartsWith("docker.cpus: expected a number of CPUs"));
  CHECK_THAT(error_of(R"({"image": "x", "cpus": "2"})"), Catch::StartsWith("docker.cpus:"));
  CHECK_THAT(error_of(R"({"image": "x", "pids_limit": 0})"), Catch::StartsWith("docker.pids_limit:"));
  CHECK_THAT(error_of(R"({"image": "x", "shell": []})"), Catch::StartsWith("docker.shell: expected a non-empty"));
  CHECK_THAT(error_of(R"({"image": "x", "shell": ["sh", 3]})"), Catch::StartsWith("docker.shell[1]: expected"));
  CHECK_THAT(error_of(R"({"image": "x", "entrypoint": "/e.sh"})"), Catch::StartsWith("docker.entrypoint:"));
  CHECK_THAT(error_of(R"({"image": "x", "user": "a:b:c"})"), Catch::StartsWith("docker.user:"));
  CHECK_THAT(error_of(R"({"image": "x", "user": ""})"), Catch::StartsWith("docker.user:"));
  CHECK_THAT(error_of(R"({"image": "x", "network": "host"})"),
             Catch::StartsWith("docker.network: \"host\" is not allowed by this worker"));
  CHECK_THAT(error_of(R"({"image": "x", "privileged": true})"),
             Catch::StartsWith("docker.privileged: privileged containers are not allowed"));
  CHECK_THAT(error_of(R"({"image": "x", "privileged": "yes"})"), Catch::StartsWith("docker.privileged: expected"));
  CHECK_THAT(error_of(R"({"image": "x", "cap_drop": ["NET RAW"]})"), Catch::StartsWith("docker.cap_drop[0]:"));
  CHECK(error_of(R"({"image": "x", "privileged": false})") == "(no error)");
}

TEST_CASE("options: mounts only from allowed prefixes", "[docker][options]") {
  const PluginConfig config = config_with(R"({"allowed_mount_sources": ["/srv/cache"]})");
  CHECK_THAT(error_of(R"({"image": "x", "mounts": [{"source": "/etc", "target": "/e"}]})"),
             Catch::StartsWith("docker.mounts[0].source: \"/etc\" is not allowed by this worker "
                               "(config.allowed_mount_sources is empty)"));
  CHECK_THAT(error_of(R"({"image": "x", "mounts": [{"source": "/srv/cachex", "target": "/c"}]})", config),
             Catch::StartsWith("docker.mounts[0].source: \"/srv/cachex\" is not allowed"));
  CHECK_THAT(error_of(R"({"image": "x", "mounts": [{"source": "/srv/cache/../../etc", "target": "/c"}]})", config),
             Catch::StartsWith("docker.mounts[0].source: expected an absolute path without \"..\""));
  CHECK_THAT(error_of(R"({"image": "x", "mounts": [{"source": "srv/cache", "target": "/c"}]})", config),
             Catch::StartsWith("docker.mounts[0].source: expected an absolute path"));
  CHECK_THAT(error_of(R"({"image": "x", "mounts": [{"source": "/srv/cache", "target": "/workspace"}]})", config),
             Catch::StartsWith("docker.mounts[0].target: \"/workspace\" cannot be mounted over"));
  CHECK_THAT(error_of(R"({"image": "x", "mounts": [{"source": "/srv/cache", "target": "/c"},
                                                   {"source": "/srv/cache/a", "target": "/c/"}]})",
                      config),
             Catch::StartsWith("docker.mounts[1].target: \"/c\" is mounted twice"));
  CHECK_THAT(error_of(R"({"image": "x", "mounts": [{"source": "/srv/cache", "target": "/c", "ro": true}]})", config),
             Catch::StartsWith("docker.mounts[0].ro: unknown field"));
  CHECK_THAT(error_of(R"({"image": "x", "mounts": [{"target": "/c"}]})", config),
             Catch::StartsWith("docker.mounts[0].source: missing"));
  const JobOptions o =
      JobOptions::parse(R"({"image": "x", "mounts": [{"source": "/srv/cache/a", "target": "/c"}]})", config);
  CHECK(o.mounts.at(0).read_only); // read-only unless asked otherwise
}

TEST_CASE("options: a symlink cannot lead a mount out of the allowed folder", "[docker][options]") {
  namespace fs = std::filesystem;
  std::string dir = (fs::temp_directory_path() / "hodei-mounts.XXXXXX").string();
  REQUIRE(::mkdtemp(dir.data()) != nullptr);
  fs::create_directory(dir + "/allowed");
  fs::create_directory(dir + "/allowed/real");
  fs::create_directory_symlink("/etc", dir + "/allowed/escape");
  const PluginConfig config = config_with(R"({"allowed_mount_sources": [")" + dir + R"(/allowed"]})");
  const auto options = [&](const std::string &source) {
    return JobOptions::parse(R"({"image": "x", "mounts": [{"source": ")" + source + R"(", "target": "/m"}]})", config);
  };
  CHECK_NOTHROW(check_mount_sources_on_disk(options(dir + "/allowed/real"), config));
  CHECK_THROWS_WITH(check_mount_sources_on_disk(options(dir + "/allowed/escape"), config),
                    Catch::Contains("resolves to \"/etc\", outside config.allowed_mount_sources"));
  CHECK_THROWS_WITH(check_mount_sources_on_disk(options(dir + "/allowed/missing"), config),
                    Catch::StartsWith("docker.mounts[0].source:"));
  fs::remove_all(dir);
}

TEST_CASE("plugin config: fields, defaults and errors", "[docker][config]") {
  const PluginConfig d = PluginConfig::parse("{}", nullptr);
  CHECK(d.socket == "/var/run/docker.sock");
  CHECK_FALSE(d.allow_privileged);
  CHECK(d.allowed_networks == std::vector<std::string>{"none", "bridge"});
  CHECK(d.cleanup_interval == std::chrono::seconds(300));
  CHECK(PluginConfig::parse("{}", "unix:///run/user/1000/docker.sock").socket == "/run/user/1000/docker.sock");
  CHECK(PluginConfig::parse(R"({"socket": "/x.sock"})", "unix:///ignored.sock").socket == "/x.sock");
  CHECK_THROWS_WITH(PluginConfig::parse("{}", "tcp://10.0.0.1:2375"),
                    Catch::Contains("DOCKER_HOST=tcp://10.0.0.1:2375: only unix:// sockets are supported"));
  CHECK_THROWS_WITH(PluginConfig::parse(R"({"socket": "relative.sock"})", nullptr),
                    Catch::StartsWith("config.socket: expected the absolute path"));
  CHECK_THROWS_WITH(PluginConfig::parse(R"({"sockett": "/x"})", nullptr),
                    Catch::StartsWith("config.sockett: unknown field"));
  CHECK_THROWS_WITH(PluginConfig::parse(R"({"cleanup_interval_s": -1})", nullptr),
                    Catch::StartsWith("config.cleanup_interval_s: expected a whole number"));
  CHECK_THROWS_WITH(PluginConfig::parse(R"({"allowed_mount_sources": ["/a/../b"]})", nullptr),
                    Catch::StartsWith("config.allowed_mount_sources[0]: expected an absolute path"));
  CHECK_THROWS_WITH(PluginConfig::parse(R"({"allowed_networks": "none"})", nullptr),
                    Catch::StartsWith("config.allowed_networks: expected an array"));
  CHECK(path_is_under("/srv/cache/x", "/srv/cache"));
  CHECK(path_is_under("/srv/cache", "/srv/cache"));
  CHECK_FALSE(path_is_under("/srv/cachex", "/srv/cache"));
  CHECK(path_is_under("/anything", "/"));
  CHECK(normalize_absolute("//a/./b//") == "/a/b");
  CHECK_FALSE(normalize_absolute("/a/../b"));
}

TEST_CASE("container spec: labels, init, limits, workspace, nothing of env or secrets", "[docker][spec]") {
  const PluginConfig config = config_with(R"({"allowed_mount_sources": ["/srv"]})");
  const JobOptions o = JobOptions::parse(
      R"({"image": "img:1", "memory": "64m", "cpus": 0.5, "pids_limit": 50, "user": "1000",
          "mounts": [{"source": "/srv/c", "target": "/c"}], "cap_drop": ["ALL"], "no_new_privileges": true})",
      config);
  const nlohmann::json body = container_create_body(o, "/var/lib/hodei/ws/job-1", "job-1", "worker-7");
  CHECK(body["Image"] == "img:1");
  CHECK(body["User"] == "1000");
  CHECK(body["WorkingDir"] == "/workspace");
  CHECK(body["Labels"] == nlohmann::json{{"dev.hodei.managed", "true"},
                                         {"dev.hodei.job-id", "job-1"},
                                         {"dev.hodei.worker-id", "worker-7"}});
  CHECK(body["Entrypoint"][0] == "/bin/sh");
  CHECK_FALSE(body.contains("Env"));
  CHECK_FALSE(body.contains("Cmd"));
  const nlohmann::json &host = body["HostConfig"];
  CHECK(host["Init"] == true);
  CHECK(host["NetworkMode"] == "none");
  CHECK(host["Memory"] == 64 << 20);
  CHECK(host["MemorySwap"] == 64 << 20);
  CHECK(host["NanoCpus"] == 500000000);
  CHECK(host["PidsLimit"] == 50);
  CHECK(host["Privileged"] == false);
  CHECK(host["CapDrop"] == nlohmann::json::array({"ALL"}));
  CHECK(host["SecurityOpt"] == nlohmann::json::array({"no-new-privileges"}));
  REQUIRE(host["Mounts"].size() == 2);
  CHECK(host["Mounts"][0] ==
        nlohmann::json{{"Type", "bind"}, {"Source", "/var/lib/hodei/ws/job-1"}, {"Target", "/workspace"}});
  CHECK(host["Mounts"][1]["ReadOnly"] == true);
  CHECK(container_name("job-1").rfind("hodei-job-1-", 0) == 0);
  CHECK(container_name("job-1").size() == std::string("hodei-job-1-").size() + 8);
}

TEST_CASE("container spec: the exec carries env and secrets, argv only the script", "[docker][spec]") {
  hodei::sdk::JobSpec job;
  job.id = "job-2";
  job.name = "build";
  job.workspace = "/ws";
  job.env = {{"A", "job"}, {"B", "job"}, {"CI", "false"}};
  job.secrets = {{"TOKEN", "s3cr3t"}, {"B", "secret-wins"}};
  hodei::sdk::StepSpec step;
  step.name = "compile";
  step.run = "make all";
  step.working_dir = "src/./app/";
  step.env = {{"A", "step"}, {"HODEI_JOB_ID", "spoofed"}};
  job.steps = {step};
  const JobOptions o =
      JobOptions::parse(R"({"image": "x", "entrypoint": ["/e.sh"], "shell": ["bash", "-c"]})", PluginConfig{});
  const nlohmann::json exec = exec_create_body(o, job, 0);
  CHECK(exec["Cmd"] == nlohmann::json::array({"/e.sh", "bash", "-c", "make all"}));
  CHECK(exec["WorkingDir"] == "/workspace/src/app");
  CHECK(exec["AttachStdout"] == true);
  CHECK(exec["Tty"] == false);
  const std::vector<std::string> env = exec["Env"];
  CHECK(env == std::vector<std::string>{"A=step", "B=secret-wins", "CI=false", "HODEI_JOB_ID=job-2",
                                        "HODEI_JOB_NAME=build", "HODEI_STEP_NAME=compile", "HODEI_WORKSPACE=/workspace",
                                        "TOKEN=s3cr3t"});
  // The secret's value is nowhere but in Env.
  nlohmann::json without_env = exec;
  without_env.erase("Env");
  CHECK(without_env.dump().find("s3cr3t") == std::string::npos);
  CHECK(container_working_dir("") == "/workspace");
}

TEST_CASE("container spec: generic job spec checks", "[docker][spec]") {
  hodei::sdk::JobSpec job;
  job.workspace = "relative";
  CHECK_THROWS_WITH(check_job_spec(job), Catch::StartsWith("workspace: expected an absolute path"));
  job.workspace = "/ws";
  job.steps.resize(2);
  job.steps[1].working_dir = "../up";
  CHECK_THROWS_WITH(check_job_spec(job), Catch::StartsWith("steps[1].working_dir: \"../up\" leaves the workspace"));
  job.steps[1].working_dir = "/abs";
  CHECK_THROWS_WITH(check_job_spec(job), Catch::StartsWith("steps[1].working_dir: must be relative"));
  job.steps[1].working_dir = "a/../b";
  job.secrets = {{"BAD=NAME", "value-not-shown"}};
  CHECK_THROWS_WITH(check_job_spec(job), Catch::StartsWith("secrets[0].key: \"BAD=NAME\" must not contain '='"));
  job.secrets = {{"", "x"}};
  CHECK_THROWS_WITH(check_job_spec(job), Catch::StartsWith("secrets[0].key: must not be empty"));
}

TEST_CASE("api helpers: version comparison and URL encoding", "[docker][api]") {
  CHECK(compare_api_versions("1.41", "1.41") == 0);
  CHECK(compare_api_versions("1.40", "1.41") < 0);
  CHECK(compare_api_versions("1.9", "1.41") < 0);
  CHECK(compare_api_versions("1.43", "1.41") > 0);
  CHECK(compare_api_versions("2.0", "1.41") > 0);
  CHECK(url_encode("hodei-test/busybox:latest") == "hodei-test%2Fbusybox%3Alatest");
  CHECK(url_encode(R"({"label":["a=b"]})") == "%7B%22label%22%3A%5B%22a%3Db%22%5D%7D");
}
