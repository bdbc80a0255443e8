// Auth and TLS: a wrong token and a wrong CA give clear errors and retries; TLS with a server-name override works.
#include "agent_fixture.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>

using namespace hodei::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// A certificate `file`.crt/.key for DNS name `name` (and 127.0.0.1), signed by CA `ca`.
void sign_cert(const fs::path &dir, const std::string &ca, const std::string &file, const std::string &name) {
  const std::string d = dir.string() + "/";
  const auto run = [](const std::vector<std::string> &argv) {
    const ProcessResult r = run_process(argv, 60s);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  };
  std::ofstream(d + file + ".cnf") << "subjectAltName=DNS:" << name << ",IP:127.0.0.1\n";
  run({"openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + name, "-keyout", d + file + ".key", "-out",
       d + file + ".csr"});
  run({"openssl", "x509", "-req", "-in", d + file + ".csr", "-CA", d + ca + ".crt", "-CAkey", d + ca + ".key",
       "-CAcreateserial", "-days", "2", "-extfile", d + file + ".cnf", "-out", d + file + ".crt"});
}

// A CA and a server certificate for DNS name `name`, signed by it, with the openssl CLI.
void make_ca_and_cert(const fs::path &dir, const std::string &ca, const std::string &server, const std::string &name) {
  const std::string d = dir.string() + "/";
  const auto run = [](const std::vector<std::string> &argv) {
    const ProcessResult r = run_process(argv, 60s);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  };
  run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=" + ca + " test CA",
       "-keyout", d + ca + ".key", "-out", d + ca + ".crt"});
  if (!server.empty()) sign_cert(dir, ca, server, name);
}

size_t count(const std::string &text, const std::string &needle) {
  size_t n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

} // namespace

TEST_CASE("a wrong token: the worker logs an auth error and keeps retrying", "[agent]") {
  Cluster c;
  c.start_server();
  c.start_worker([&] {
    WorkerSetup s;
    s.token = "not-the-token";
    s.wait_connected = false;
    return s;
  }());
  REQUIRE(eventually([&] { return count(c.worker->err(), "refused the worker's credentials") >= 2; }, 20s));
  CHECK(c.worker->running());
  CHECK(c.worker->err().find("not-the-token") == std::string::npos); // never logged
  CHECK(c.stats().at("unauthenticated") >= 2);
}

TEST_CASE("plaintext must be chosen explicitly", "[agent]") {
  Cluster c;
  const ProcessResult r = run_process({kWorkerBin, "--plugin-dir", HODEI_PLUGIN_DIR, "serve", "--server", c.address,
                                       "--data-dir", (c.dir.path() / "w").string()},
                                      30s);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("plaintext") != std::string::npos);
}

TEST_CASE("TLS: the right CA with a server-name override works, a wrong CA is a clear error", "[agent]") {
  Cluster c;
  const fs::path pki = c.dir.path() / "pki";
  fs::create_directories(pki);
  make_ca_and_cert(pki, "ca", "server", "hodei.test");
  make_ca_and_cert(pki, "other", "", "");
  const std::string p = pki.string() + "/";
  c.start_server({"--tls-cert", p + "server.crt", "--tls-key", p + "server.key"});
  c.client_flags = {"--tls-ca", p + "ca.crt"};

  SECTION("right CA") {
    c.start_worker([&] {
      WorkerSetup s;
      s.server_config = R"("tls": {"enabled": true, "ca_file": ")" + p + R"(ca.crt", "server_name": "hodei.test"})";
      s.plaintext = false;
      return s;
    }());
    const fs::path f = c.job_file(
        "tls.json", R"({"name": "tls", "executor": "shell", "steps": [{"name": "s", "run": "echo over tls"}]})");
    const std::string id = c.submit(f);
    CHECK(c.wait_terminal(id, 30s) == "succeeded");
  }
  SECTION("wrong CA") {
    c.start_worker([&] {
      WorkerSetup s;
      s.server_config = R"("tls": {"enabled": true, "ca_file": ")" + p + R"(other.crt", "server_name": "hodei.test"})";
      s.plaintext = false;
      s.wait_connected = false;
      return s;
    }());
    REQUIRE(eventually([&] { return count(c.worker->err(), "cannot register with") >= 2; }, 30s));
    INFO(c.worker->err());
    CHECK(c.worker->err().find("server.tls.ca_file") != std::string::npos);
    CHECK(c.worker->running());
  }
}

TEST_CASE("mutual TLS: the worker presents its client certificate", "[agent]") {
  Cluster c;
  const fs::path pki = c.dir.path() / "pki";
  fs::create_directories(pki);
  make_ca_and_cert(pki, "ca", "server", "hodei.test");
  sign_cert(pki, "ca", "client", "worker.hodei.test");
  const std::string p = pki.string() + "/";
  c.start_server({"--tls-cert", p + "server.crt", "--tls-key", p + "server.key", "--tls-client-ca", p + "ca.crt"});
  c.client_flags = {"--tls-ca", p + "ca.crt", "--tls-cert", p + "client.crt", "--tls-key", p + "client.key"};
  c.start_worker([&] {
    WorkerSetup s;
    s.server_config = R"("tls": {"enabled": true, "ca_file": ")" + p + R"(ca.crt", "cert_file": ")" + p +
                      R"(client.crt", "key_file": ")" + p + R"(client.key"})";
    s.plaintext = false;
    return s;
  }());
  const std::string id = c.submit(
      c.job_file("m.json", R"({"name": "m", "executor": "shell", "steps": [{"name": "s", "run": "echo mtls"}]})"));
  CHECK(c.wait_terminal(id, 30s) == "succeeded");
  CHECK(read_file(c.stored_log(id, "stdout")) == "mtls\n");
}
