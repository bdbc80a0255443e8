// The admin socket server and the config diff of reloads, without a worker process.
#include "admin/admin_client.hpp"
#include "admin/admin_server.hpp"
#include "config/config_diff.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace hodei::test {

namespace fs = std::filesystem;

namespace {
struct ShortTempDir { // unix socket paths must stay short
  ShortTempDir() {
    char pattern[] = "/tmp/hodei-adm-XXXXXX";
    REQUIRE(::mkdtemp(pattern) != nullptr);
    path = pattern;
  }
  ~ShortTempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path path;
};

std::map<std::string, admin::CommandHandler> echo_handlers() {
  return {{"status",
           [](const nlohmann::json &) {
             return nlohmann::json{{"answer", 42}};
           }},
          {"boom", [](const nlohmann::json &) -> nlohmann::json { throw std::runtime_error("it broke"); }}};
}

// Leaves a socket file nobody listens on, as a crashed worker does.
void make_stale_socket(const fs::path &path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  REQUIRE(::bind(fd, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) == 0);
  ::close(fd);
}
} // namespace

TEST_CASE("The admin server answers commands on an owner-only socket", "[admin]") {
  ShortTempDir dir;
  const fs::path path = dir.path / "admin.sock";
  admin::AdminServer server(path, echo_handlers());
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  const nlohmann::json reply = admin::request(path, "status");
  CHECK(reply["ok"] == true);
  CHECK(reply["answer"] == 42);
  const nlohmann::json unknown = admin::request(path, "frobnicate");
  CHECK(unknown["ok"] == false);
  CHECK(unknown["error"].get<std::string>().find("unknown command 'frobnicate'") != std::string::npos);
  const nlohmann::json failed = admin::request(path, "boom");
  CHECK(failed["ok"] == false);
  CHECK(failed["error"] == "it broke");
  CHECK(server.answer("not json")["ok"] == false);
  CHECK(server.answer(R"({"cmd": "status"})")["ok"] == false);
}

TEST_CASE("A stale admin socket is replaced and a live one or another file is not", "[admin]") {
  ShortTempDir dir;
  const fs::path path = dir.path / "admin.sock";
  make_stale_socket(path);
  {
    admin::AdminServer server(path, echo_handlers()); // nobody answered on the old file: replaced
    CHECK(admin::request(path, "status")["ok"] == true);
    try {
      admin::AdminServer second(path, echo_handlers());
      FAIL("a second server took over a live socket");
    } catch (const admin::SocketError &e) {
      CHECK(std::string(e.what()).find(path.string()) != std::string::npos);
      CHECK(std::string(e.what()).find("another process answers") != std::string::npos);
    }
    CHECK(admin::request(path, "status")["ok"] == true); // the first one still serves
  }
  CHECK_FALSE(fs::exists(path)); // removed by its server
  std::ofstream(path) << "not a socket";
  CHECK_THROWS_WITH(admin::AdminServer(path, echo_handlers()), Catch::Contains("is not a socket"));
}

TEST_CASE("The admin client names the socket path when nothing is there", "[admin]") {
  ShortTempDir dir;
  const fs::path path = dir.path / "missing.sock";
  CHECK_THROWS_WITH(admin::request(path, "status"),
                    Catch::Contains(path.string()) && Catch::Contains("is `hodei-worker serve` running"));
}

TEST_CASE("The reload diff tells live keys from keys that need a restart and hides the token", "[admin][reload]") {
  config::WorkerConfig running;
  config::WorkerConfig reloaded = running;
  reloaded.worker.labels = {{"pool", "b"}};
  reloaded.worker.max_concurrent_jobs = 4;
  reloaded.logs.level = "debug";
  reloaded.server.address = "other:7070";
  reloaded.server.token = "secret-value";
  reloaded.worker.data_dir = "/elsewhere";
  const std::vector<config::ConfigChange> changes = config::diff_configs(running, reloaded);
  std::map<std::string, config::ConfigChange> by_key;
  for (const auto &c : changes) by_key[c.key] = c;
  REQUIRE(by_key.size() == 6);
  CHECK(by_key["worker.labels"].live);
  CHECK(by_key["worker.max_concurrent_jobs"].live);
  CHECK(by_key["logs.level"].live);
  CHECK_FALSE(by_key["server.address"].live);
  CHECK_FALSE(by_key["worker.data_dir"].live);
  CHECK_FALSE(by_key["server.token"].live);
  CHECK(by_key["server.token"].new_value == "(hidden)");

  const config::WorkerConfig next = config::with_live_keys(running, reloaded);
  CHECK(next.worker.max_concurrent_jobs == 4);
  CHECK(next.logs.level == "debug");
  CHECK(next.server.address == running.server.address); // needs a restart: the running value stays
  CHECK(next.worker.data_dir == running.worker.data_dir);
  CHECK(config::diff_configs(next, reloaded).size() == 3); // reported again on the next reload
}

} // namespace hodei::test
