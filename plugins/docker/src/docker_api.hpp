// DockerApi: the handful of Docker Engine API calls the executor needs, typed, over HttpConnection.
//
// Every call opens its own connection (a unix-socket connect costs microseconds next to what the daemon does), so a
// DockerApi is stateless after construction and safe to use from any number of threads at once.
//
// Errors are hodei::sdk::Error with a status that fits the HTTP answer and a message that says what was being done
// and what the daemon said, e.g. `creating the container: Minimum memory limit allowed is 6MB (HTTP 400)`; a daemon
// that cannot be reached gives HODEI_ERR_UNAVAILABLE with the socket path in the message.
#pragma once

#include "interrupt.hpp"
#include "unix_http_client.hpp"

#include <chrono>
#include <hodei/sdk.hpp>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace hodei::docker {

// An HTTP error status from the daemon.
class ApiError : public sdk::Error {
public:
  ApiError(hodei_status status, const std::string &message, unsigned http_status)
      : sdk::Error(status, message), http_status_(http_status) {}
  [[nodiscard]] unsigned http_status() const noexcept { return http_status_; }

private:
  unsigned http_status_;
};

struct ApiTimeouts {
  std::chrono::milliseconds connect{std::chrono::seconds(5)};
  std::chrono::milliseconds request{std::chrono::seconds(120)}; // create, start, remove... on a slow disk
  std::chrono::milliseconds pull{std::chrono::minutes(30)};
};

// What GET /version says, the parts we use.
struct DaemonVersion {
  std::string version;         // "20.10.24+dfsg1"
  std::string api_version;     // the newest API the daemon speaks, "1.41"
  std::string min_api_version; // the oldest, "1.12"
  std::string os;
  std::string arch;
  std::string kernel_version;
};

// "1.41" < "1.9" is false: compares dotted numbers numerically. Non-numbers compare as 0.
int compare_api_versions(std::string_view a, std::string_view b);

// Percent-encodes a query parameter value.
std::string url_encode(std::string_view value);

class DockerApi {
public:
  // The Engine API version every request is made with (URL prefix /v1.41). Docker 20.10 speaks it.
  static constexpr const char *kApiVersion = "1.41";

  DockerApi(std::string socket_path, ApiTimeouts timeouts);

  [[nodiscard]] const std::string &socket_path() const noexcept { return socket_path_; }

  // GET /version (unversioned path: works with any daemon, so an old one can be named in the error).
  DaemonVersion version() const;
  // GET /info
  nlohmann::json info() const;

  // GET /images/{name}/json: false on 404.
  bool image_exists(const std::string &image) const;
  // POST /images/create?fromImage=...; an error in the progress stream throws too. `interrupt` aborts it.
  void pull_image(const std::string &image, Interrupt *interrupt) const;

  // POST /containers/create; returns the id.
  std::string create_container(const nlohmann::json &body, const std::string &name) const;
  void start_container(const std::string &id) const;
  // POST /containers/{id}/kill?signal=N. Returns false when the container is not running (409) or gone (404).
  bool kill_container(const std::string &id, int signo) const;
  // DELETE /containers/{id}?force=true&v=true. Returns false when it was already gone (404 / removal in progress).
  bool remove_container(const std::string &id) const;
  nlohmann::json inspect_container(const std::string &id) const;
  // GET /containers/json?all=true&filters={"label":[...]}
  nlohmann::json list_containers(const std::vector<std::string> &label_filters) const;

  // POST /containers/{id}/exec; returns the exec id.
  std::string create_exec(const std::string &container_id, const nlohmann::json &body) const;
  // POST /exec/{id}/start, upgraded: the returned connection is the exec's multiplexed output stream.
  std::unique_ptr<HttpConnection> start_exec(const std::string &exec_id, Interrupt *interrupt) const;
  nlohmann::json inspect_exec(const std::string &exec_id) const;

  // GET /events between two instants, filtered: the events the daemon recorded (ends at once, `until` is past).
  std::vector<nlohmann::json> events(std::chrono::system_clock::time_point since,
                                     std::chrono::system_clock::time_point until,
                                     const std::map<std::string, std::vector<std::string>> &filters) const;

  // The request every call above is made of: versioned path, body, daemon errors turned into ApiError. Returns the
  // response of a 2xx status.
  HttpResponse call(HttpMethod method, const std::string &path, const std::string &what,
                    const std::string &json_body = {}) const;

private:
  std::unique_ptr<HttpConnection> connect(Interrupt *interrupt) const;
  HttpResponse exchange(HttpMethod method, const std::string &target, const std::string &what,
                        const std::string &json_body, std::chrono::milliseconds timeout,
                        Interrupt *interrupt = nullptr) const;
  [[noreturn]] void throw_transport(const TransportError &e, const std::string &what) const;

  std::string socket_path_;
  ApiTimeouts timeouts_;
};

// ApiError for a non-2xx response: "<what>: <daemon's message> (HTTP <status>)".
[[noreturn]] void throw_api_error(const std::string &what, const HttpResponse &response);

} // namespace hodei::docker
