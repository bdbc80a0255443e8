// proto/protocol/job_spec_mapping: hodei::job::JobSpec <-> hodei.worker.v1.JobSpec (shared by worker and server).
#include "protocol/job_spec_mapping.hpp"

#include <catch2/catch.hpp>

using hodei::protocol::from_proto;
using hodei::protocol::SpecMappingError;
using hodei::protocol::to_proto;
namespace job = hodei::job;
namespace v1 = hodei::worker::v1;

namespace {

job::JobSpec full_spec() {
  job::JobSpec spec;
  spec.name = "release";
  spec.executor = "docker";
  spec.env = {{"CI", "true"}, {"MODE", "release"}};
  spec.secrets = {{"TOKEN", "hunter2"}};
  spec.timeout = std::chrono::seconds(600);
  spec.cancel_grace = std::chrono::milliseconds(2500);
  spec.working_directory = "src";
  spec.workspace_cleanup = job::WorkspaceCleanup::on_success;
  spec.steps.push_back(job::Step{"build", "make -j2", false, {{"CC", "clang"}}, "build"});
  spec.steps.push_back(job::Step{"test", "make test", true, {}, ""});
  spec.inputs.push_back(job::ArtifactInput{"s3://bucket/deps.tgz", std::string(64, 'a'), "deps.tgz"});
  spec.inputs.push_back(job::ArtifactInput{"file:///srv/data.bin", std::nullopt, "data/data.bin"});
  spec.outputs.push_back(job::ArtifactOutput{"dist/*.tgz", "s3://bucket/out/", true});
  spec.executor_options = {{"docker", R"({"image":"alpine:3.19"})"}};
  return spec;
}

v1::JobSpec minimal_proto() {
  v1::JobSpec spec;
  spec.set_name("m");
  spec.set_executor("shell");
  v1::Step &step = *spec.add_steps();
  step.set_name("s");
  step.set_run("true");
  return spec;
}

} // namespace

TEST_CASE("a domain spec survives domain -> proto -> domain unchanged", "[proto][mapping]") {
  const job::JobSpec spec = full_spec();
  const v1::JobSpec proto = to_proto(spec);
  CHECK(proto.name() == "release");
  CHECK(proto.timeout_seconds() == 600);
  CHECK(proto.cancel_grace_ms() == 2500);
  CHECK(proto.workspace_cleanup() == v1::WORKSPACE_CLEANUP_ON_SUCCESS);
  CHECK(proto.secrets().at("TOKEN") == "hunter2");
  CHECK(proto.inputs(0).has_sha256());
  CHECK_FALSE(proto.inputs(1).has_sha256());
  CHECK(proto.executor_options_json().at("docker") == R"({"image":"alpine:3.19"})");
  CHECK(from_proto(proto) == spec);

  // And through the wire format.
  v1::JobSpec reparsed;
  REQUIRE(reparsed.ParseFromString(proto.SerializeAsString()));
  CHECK(from_proto(reparsed) == spec);
}

TEST_CASE("absent proto fields take the domain defaults", "[proto][mapping]") {
  const job::JobSpec spec = from_proto(minimal_proto());
  CHECK_FALSE(spec.timeout);
  CHECK(spec.cancel_grace == std::chrono::seconds(10));
  CHECK(spec.workspace_cleanup == job::WorkspaceCleanup::always);
  CHECK(spec.steps.size() == 1);
  CHECK(spec.inputs.empty());
}

TEST_CASE("a proto spec that breaks the spec rules is refused, naming the field", "[proto][mapping]") {
  v1::JobSpec spec = minimal_proto();
  std::string field;
  SECTION("job name too long") {
    spec.set_name(std::string(129, 'n'));
    field = "name";
  }
  SECTION("step name on two lines") {
    spec.mutable_steps(0)->set_name("a\nb");
    field = "steps[0].name";
  }
  SECTION("empty secret") {
    (*spec.mutable_secrets())["TOKEN"] = "";
    field = "secrets[\"TOKEN\"]";
  }
  SECTION("a step overriding a secret") {
    (*spec.mutable_secrets())["TOKEN"] = "x";
    (*spec.mutable_steps(0)->mutable_env())["TOKEN"] = "y";
    field = "steps[0].env[\"TOKEN\"]";
  }
  SECTION("timeout over 7 days") {
    spec.set_timeout_seconds(604801);
    field = "timeout_seconds";
  }
  SECTION("cancel grace over an hour") {
    spec.set_cancel_grace_ms(3600001);
    field = "cancel_grace_ms";
  }
  SECTION("executor") {
    spec.set_executor("not an id!");
    field = "executor";
  }
  SECTION("no steps") {
    spec.clear_steps();
    field = "steps";
  }
  SECTION("duplicate step names") {
    *spec.add_steps() = spec.steps(0);
    field = "steps[1].name";
  }
  SECTION("empty script") {
    spec.mutable_steps(0)->clear_run();
    field = "steps[0].run";
  }
  SECTION("env name") {
    (*spec.mutable_env())["1BAD"] = "x";
    field = "env[\"1BAD\"]";
  }
  SECTION("escaping working directory") {
    spec.set_working_directory("../outside");
    field = "working_directory";
  }
  SECTION("zero timeout") {
    spec.set_timeout_seconds(0);
    field = "timeout_seconds";
  }
  SECTION("unknown cleanup value") {
    spec.set_workspace_cleanup(static_cast<v1::WorkspaceCleanup>(42));
    field = "workspace_cleanup";
  }
  SECTION("bad digest") {
    v1::ArtifactInput &input = *spec.add_inputs();
    input.set_uri("s3://b/k");
    input.set_path("k");
    input.set_sha256("abc");
    field = "inputs[0].sha256";
  }
  SECTION("URI without scheme") {
    v1::ArtifactOutput &output = *spec.add_outputs();
    output.set_path("out/*");
    output.set_uri("/tmp/out");
    field = "outputs[0].uri";
  }
  SECTION("a secret with a NUL character (found by fuzz/worker_protocol)") {
    (*spec.mutable_secrets())["TOKEN"] = std::string("ab\0cd", 5);
    field = "secrets[\"TOKEN\"]";
  }
  SECTION("a step env value with a NUL character") {
    (*spec.mutable_steps(0)->mutable_env())["A"] = std::string("\0", 1);
    field = "steps[0].env[\"A\"]";
  }
  SECTION("a script with a NUL character") {
    spec.mutable_steps(0)->set_run(std::string("true\0rm", 7));
    field = "steps[0].run";
  }
  SECTION("a URI with a NUL character") {
    v1::ArtifactInput &input = *spec.add_inputs();
    input.set_uri(std::string("s3://b/k\0x", 10));
    input.set_path("k");
    field = "inputs[0].uri";
  }
  SECTION("options under a plugin id, which the JSON form cannot hold (found by fuzz/worker_protocol)") {
    (*spec.mutable_executor_options_json())["dev.docker"] = "{}";
    field = "executor_options_json[\"dev.docker\"]";
  }
  SECTION("options under the name of a spec field") {
    (*spec.mutable_executor_options_json())["env"] = "{}";
    field = "executor_options_json[\"env\"]";
  }
  SECTION("a variable both in env and in secrets") {
    (*spec.mutable_env())["TOKEN"] = "x";
    (*spec.mutable_secrets())["TOKEN"] = "y";
    field = "secrets[\"TOKEN\"]";
  }
  SECTION("a blank step working directory (found by fuzz/worker_protocol)") {
    spec.mutable_steps(0)->set_working_dir("\t");
    field = "steps[0].working_dir";
  }
  SECTION("a blank secret") {
    (*spec.mutable_secrets())["TOKEN"] = "  ";
    field = "secrets[\"TOKEN\"]";
  }
  SECTION("a blank script") {
    spec.mutable_steps(0)->set_run(" \n");
    field = "steps[0].run";
  }
  SECTION("a blank job name") {
    spec.set_name("   ");
    field = "name";
  }
  SECTION("a name of 129 characters, counted in UTF-8 code points") {
    std::string name;
    for (int i = 0; i < 129; ++i) name += "\xC3\xA9"; // é
    spec.set_name(name);
    field = "name";
  }
  SECTION("two inputs written to the same path (found by fuzz/worker_protocol)") {
    for (const char *uri : {"s3://b/one", "s3://b/two"}) {
      v1::ArtifactInput &input = *spec.add_inputs();
      input.set_uri(uri);
      input.set_path("in.tar");
    }
    field = "inputs[1].path";
  }
  SECTION("options that are not a JSON object") {
    (*spec.mutable_executor_options_json())["docker"] = "[1,2]";
    field = "executor_options_json[\"docker\"]";
  }
  try {
    (void)from_proto(spec);
    FAIL("accepted");
  } catch (const SpecMappingError &e) {
    CHECK(e.field() == field);
    CHECK_THAT(e.what(), Catch::StartsWith(field + ": "));
  }
}

TEST_CASE("a name of 128 non-ASCII characters is accepted, as in a JSON spec", "[proto][mapping]") {
  v1::JobSpec spec = minimal_proto();
  std::string name;
  for (int i = 0; i < 128; ++i) name += "\xC3\xA9"; // 256 bytes, 128 characters
  spec.set_name(name);
  CHECK(from_proto(spec).name == name);
}

TEST_CASE("digests are normalized to lowercase", "[proto][mapping]") {
  v1::JobSpec spec = minimal_proto();
  v1::ArtifactInput &input = *spec.add_inputs();
  input.set_uri("s3://b/k");
  input.set_path("k");
  input.set_sha256(std::string(64, 'A'));
  CHECK(from_proto(spec).inputs.at(0).sha256 == std::string(64, 'a'));
}
