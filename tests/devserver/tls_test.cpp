// TLS and mTLS: certificates made on the fly with the openssl command (skipped when it is missing).
#include "devserver/rpc/client_channel.hpp"
#include "server_fixture.hpp"
#include "subprocess.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using namespace hodei::devserver;
using namespace hodei::devserver::test;
using hodei::test::run_process;

namespace {

bool run_openssl(const std::vector<std::string> &arguments) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  const auto result = run_process(argv, std::chrono::seconds(30));
  if (result.exit_code != 0) WARN("openssl failed: " << result.err);
  return result.exit_code == 0;
}

// A CA, a server certificate for 127.0.0.1 and a client certificate, both signed by the CA.
struct Certificates {
  std::filesystem::path dir;
  std::filesystem::path file(const char *name) const { return dir / name; }

  bool make() {
    std::ofstream(file("server.ext")) << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
    const auto key = [](const std::string &out) {
      return std::vector<std::string>{"-newkey", "ec",      "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                      "-nodes",  "-keyout", out};
    };
    std::vector<std::string> ca{
        "req", "-x509", "-days", "1", "-subj", "/CN=hodei-test-ca", "-out", file("ca.crt").string()};
    const auto ca_key = key(file("ca.key").string());
    ca.insert(ca.end(), ca_key.begin(), ca_key.end());
    if (!run_openssl(ca)) return false;
    for (const std::string name : {"server", "client"}) {
      std::vector<std::string> request{"req", "-subj", "/CN=" + name, "-out", file((name + ".csr").c_str()).string()};
      const auto request_key = key(file((name + ".key").c_str()).string());
      request.insert(request.end(), request_key.begin(), request_key.end());
      if (!run_openssl(request)) return false;
      std::vector<std::string> sign{"x509",
                                    "-req",
                                    "-days",
                                    "1",
                                    "-in",
                                    file((name + ".csr").c_str()).string(),
                                    "-CA",
                                    file("ca.crt").string(),
                                    "-CAkey",
                                    file("ca.key").string(),
                                    "-CAcreateserial",
                                    "-out",
                                    file((name + ".crt").c_str()).string()};
      if (name == "server") sign.insert(sign.end(), {"-extfile", file("server.ext").string()});
      if (!run_openssl(sign)) return false;
    }
    return true;
  }
};

bool have_openssl() { return run_process({"openssl", "version"}, std::chrono::seconds(10)).exit_code == 0; }

grpc::Status get_stats(const rpc::ClientOptions &client) {
  auto stub = v1::AdminService::NewStub(rpc::make_channel(client));
  grpc::ClientContext context;
  rpc::authorize(context, client.token);
  context.set_deadline(std::chrono::system_clock::now() + kWait);
  v1::Stats stats;
  return stub->GetStats(&context, {}, &stats);
}

} // namespace

TEST_CASE("the devserver serves TLS and mTLS", "[devserver][tls]") {
  if (!have_openssl()) {
    WARN("openssl not installed: TLS test skipped");
    return;
  }
  TempDir certs_dir;
  Certificates certs{certs_dir.path()};
  REQUIRE(certs.make());
  TempDir data;
  const bool mutual = GENERATE(false, true);
  DevServerOptions options;
  options.listen = "127.0.0.1:0";
  options.data_dir = data.path();
  options.token = "tls-token";
  options.tls = rpc::ServerTlsFiles{certs.file("server.crt"), certs.file("server.key"), std::nullopt};
  if (mutual) options.tls->client_ca = certs.file("ca.crt");
  options.shutdown_grace = std::chrono::milliseconds(500);
  DevServer server(options);

  rpc::ClientOptions client;
  client.server = server.address();
  client.token = "tls-token";
  rpc::ClientTlsFiles tls;
  tls.ca = certs.file("ca.crt");
  if (mutual) {
    tls.cert = certs.file("client.crt");
    tls.key = certs.file("client.key");
  }
  client.tls = tls;
  CHECK(get_stats(client).ok());

  // The worker side over the same channel credentials: register and open the stream.
  WorkerClientOptions worker_options;
  worker_options.address = server.address();
  worker_options.token = "tls-token";
  worker_options.credentials = rpc::make_channel_credentials(tls);
  auto worker = connected_worker(worker_options);
  CHECK(worker->heartbeat() == v1::HEARTBEAT_STATUS_OK);

  // Plaintext to a TLS port fails; without a client certificate, mTLS fails.
  rpc::ClientOptions plaintext = client;
  plaintext.tls.reset();
  CHECK(get_stats(plaintext).error_code() == grpc::StatusCode::UNAVAILABLE);
  if (mutual) {
    rpc::ClientOptions anonymous = client;
    anonymous.tls = rpc::ClientTlsFiles{certs.file("ca.crt"), std::nullopt, std::nullopt};
    CHECK_FALSE(get_stats(anonymous).ok());
  }
}
