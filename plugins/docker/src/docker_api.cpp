#include "docker_api.hpp"

#include "text.hpp"

#include <charconv>
#include <cstdio>

namespace hodei::docker {

namespace {

using nlohmann::json;

hodei_status status_for_http(unsigned http_status) {
  switch (http_status) {
  case 400:
    return HODEI_ERR_INVALID_ARGUMENT;
  case 401:
  case 403:
    return HODEI_ERR_PERMISSION_DENIED;
  case 404:
    return HODEI_ERR_NOT_FOUND;
  case 409:
    return HODEI_ERR_ALREADY_EXISTS;
  case 503:
    return HODEI_ERR_UNAVAILABLE;
  default:
    return HODEI_ERR_INTERNAL;
  }
}

std::string trimmed(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  return std::string(text);
}

// The daemon's message: {"message": "..."} for API errors, else the body text itself.
std::string daemon_message(const std::string &body) {
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_object() && doc.contains("message") && doc["message"].is_string()) return doc["message"];
  if (body.empty()) return "(no message)";
  return trimmed(body.substr(0, 1024));
}

json parse_json(const HttpResponse &r, const std::string &what) {
  json doc = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) throw sdk::Error(HODEI_ERR_INTERNAL, what + ": the daemon's answer is not JSON");
  return doc;
}

std::string string_field(const json &doc, const char *key) {
  const auto it = doc.find(key);
  return (it != doc.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

// Adds ":latest" to a reference without tag or digest, as `docker pull` does: without it the daemon pulls every tag.
std::string with_default_tag(const std::string &image) {
  if (image.find('@') != std::string::npos) return image;
  const size_t slash = image.rfind('/');
  const size_t colon = image.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) return image;
  return image + ":latest";
}

std::string unix_time_text(std::chrono::system_clock::time_point t) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%lld.%09lld", static_cast<long long>(ns / 1000000000),
                static_cast<long long>(ns % 1000000000));
  return buf;
}

} // namespace

int compare_api_versions(std::string_view a, std::string_view b) {
  while (!a.empty() || !b.empty()) {
    const auto take = [](std::string_view &s) {
      const size_t dot = s.find('.');
      const std::string_view part = s.substr(0, dot);
      s = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
      unsigned value = 0;
      std::from_chars(part.data(), part.data() + part.size(), value);
      return value;
    };
    const unsigned x = take(a);
    const unsigned y = take(b);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

std::string url_encode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size() * 3);
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

void throw_api_error(const std::string &what, const HttpResponse &response) {
  throw ApiError(status_for_http(response.status),
                 what + ": " + daemon_message(response.body) + " (HTTP " + std::to_string(response.status) + ")",
                 response.status);
}

DockerApi::DockerApi(std::string socket_path, ApiTimeouts timeouts)
    : socket_path_(std::move(socket_path)), timeouts_(timeouts) {}

void DockerApi::throw_transport(const TransportError &e, const std::string &what) const {
  if (dynamic_cast<const Interrupted *>(&e) != nullptr) throw sdk::Error(HODEI_ERR_CANCELLED, what + ": cancelled");
  throw sdk::Error(HODEI_ERR_UNAVAILABLE,
                   what + ": cannot talk to the Docker daemon at unix://" + socket_path_ + " (" + e.what() + ")");
}

std::unique_ptr<HttpConnection> DockerApi::connect(Interrupt *interrupt) const {
  return std::make_unique<HttpConnection>(socket_path_, timeouts_.connect, interrupt);
}

HttpResponse DockerApi::exchange(HttpMethod method, const std::string &target, const std::string &what,
                                 const std::string &json_body, std::chrono::milliseconds timeout,
                                 Interrupt *interrupt) const {
  try {
    return connect(interrupt)->request(method, target, json_body, timeout);
  } catch (const TransportError &e) {
    throw_transport(e, what);
  }
}

HttpResponse DockerApi::call(HttpMethod method, const std::string &path, const std::string &what,
                             const std::string &json_body) const {
  HttpResponse r =
      exchange(method, std::string("/v") + kApiVersion + path, what, json_body, timeouts_.request, nullptr);
  if (r.status / 100 != 2) throw_api_error(what, r);
  return r;
}

DaemonVersion DockerApi::version() const {
  const std::string what = "asking the Docker daemon for its version";
  const HttpResponse r = exchange(HttpMethod::get, "/version", what, {}, timeouts_.request);
  if (r.status != 200) throw_api_error(what, r);
  const json doc = parse_json(r, what);
  DaemonVersion v;
  v.version = string_field(doc, "Version");
  v.api_version = string_field(doc, "ApiVersion");
  v.min_api_version = string_field(doc, "MinAPIVersion");
  v.os = string_field(doc, "Os");
  v.arch = string_field(doc, "Arch");
  v.kernel_version = string_field(doc, "KernelVersion");
  return v;
}

json DockerApi::info() const {
  const std::string what = "asking the Docker daemon for its configuration";
  return parse_json(call(HttpMethod::get, "/info", what), what);
}

bool DockerApi::image_exists(const std::string &image) const {
  const std::string what = "looking up image " + image;
  const HttpResponse r = exchange(HttpMethod::get, std::string("/v") + kApiVersion + "/images/" + image + "/json", what,
                                  {}, timeouts_.request);
  if (r.status == 404) return false;
  if (r.status != 200) throw_api_error(what, r);
  return true;
}

void DockerApi::pull_image(const std::string &image, Interrupt *interrupt) const {
  const std::string what = "pulling image " + image;
  const HttpResponse r =
      exchange(HttpMethod::post,
               std::string("/v") + kApiVersion + "/images/create?fromImage=" + url_encode(with_default_tag(image)),
               what, {}, timeouts_.pull, interrupt);
  if (r.status != 200) throw_api_error(what, r);
  // 200 only means the pull began: the progress stream (one JSON object per line) says how it ended.
  size_t pos = 0;
  while (pos < r.body.size()) {
    const size_t end = std::min(r.body.find('\n', pos), r.body.size());
    const json line = json::parse(r.body.substr(pos, end - pos), nullptr, /*allow_exceptions=*/false);
    pos = end + 1;
    if (line.is_object() && line.contains("error")) {
      const std::string message = line["error"].is_string() ? line["error"].get<std::string>() : line["error"].dump();
      throw sdk::Error(HODEI_ERR_UNAVAILABLE, cat(what, ": ", message));
    }
  }
}

std::string DockerApi::create_container(const json &body, const std::string &name) const {
  const std::string what = "creating the container";
  const json doc =
      parse_json(call(HttpMethod::post, "/containers/create?name=" + url_encode(name), what, body.dump()), what);
  std::string id = string_field(doc, "Id");
  if (id.empty()) throw sdk::Error(HODEI_ERR_INTERNAL, what + ": the daemon returned no container id");
  return id;
}

void DockerApi::start_container(const std::string &id) const {
  call(HttpMethod::post, "/containers/" + id + "/start", "starting the container");
}

bool DockerApi::kill_container(const std::string &id, int signo) const {
  const std::string what = "sending signal " + std::to_string(signo) + " to the container";
  const HttpResponse r = exchange(
      HttpMethod::post, std::string("/v") + kApiVersion + "/containers/" + id + "/kill?signal=" + std::to_string(signo),
      what, {}, timeouts_.request);
  if (r.status == 404 || r.status == 409) return false;
  if (r.status / 100 != 2) throw_api_error(what, r);
  return true;
}

bool DockerApi::remove_container(const std::string &id) const {
  const std::string what = "removing the container";
  const HttpResponse r =
      exchange(HttpMethod::del, std::string("/v") + kApiVersion + "/containers/" + id + "?force=true&v=true", what, {},
               timeouts_.request);
  if (r.status == 404) return false;
  // 409 "removal of container ... is already in progress": someone else (the leftover reaper) is removing it.
  if (r.status == 409) return false;
  if (r.status / 100 != 2) throw_api_error(what, r);
  return true;
}

json DockerApi::inspect_container(const std::string &id) const {
  const std::string what = "inspecting the container";
  return parse_json(call(HttpMethod::get, "/containers/" + id + "/json", what), what);
}

json DockerApi::list_containers(const std::vector<std::string> &label_filters) const {
  const std::string what = "listing containers";
  const json filters = {{"label", label_filters}};
  return parse_json(call(HttpMethod::get, "/containers/json?all=true&filters=" + url_encode(filters.dump()), what),
                    what);
}

std::string DockerApi::create_exec(const std::string &container_id, const json &body) const {
  const std::string what = "creating the step's exec";
  const json doc = parse_json(call(HttpMethod::post, "/containers/" + container_id + "/exec", what, body.dump()), what);
  std::string id = string_field(doc, "Id");
  if (id.empty()) throw sdk::Error(HODEI_ERR_INTERNAL, what + ": the daemon returned no exec id");
  return id;
}

std::unique_ptr<HttpConnection> DockerApi::start_exec(const std::string &exec_id, Interrupt *interrupt) const {
  const std::string what = "starting the step's exec";
  try {
    auto connection = connect(interrupt);
    const HttpResponse r =
        connection->upgrade(HttpMethod::post, std::string("/v") + kApiVersion + "/exec/" + exec_id + "/start",
                            R"({"Detach":false,"Tty":false})", timeouts_.request);
    if (r.status != 101 && r.status != 200) throw_api_error(what, r);
    return connection;
  } catch (const TransportError &e) {
    throw_transport(e, what);
  }
}

json DockerApi::inspect_exec(const std::string &exec_id) const {
  const std::string what = "inspecting the step's exec";
  return parse_json(call(HttpMethod::get, "/exec/" + exec_id + "/json", what), what);
}

std::vector<json> DockerApi::events(std::chrono::system_clock::time_point since,
                                    std::chrono::system_clock::time_point until,
                                    const std::map<std::string, std::vector<std::string>> &filters) const {
  const std::string what = "reading the daemon's events";
  const HttpResponse r = call(HttpMethod::get,
                              "/events?since=" + unix_time_text(since) + "&until=" + unix_time_text(until) +
                                  "&filters=" + url_encode(json(filters).dump()),
                              what);
  std::vector<json> out;
  size_t pos = 0;
  while (pos < r.body.size()) {
    const size_t end = std::min(r.body.find('\n', pos), r.body.size());
    json event = json::parse(r.body.substr(pos, end - pos), nullptr, /*allow_exceptions=*/false);
    pos = end + 1;
    if (event.is_object()) out.push_back(std::move(event));
  }
  return out;
}

} // namespace hodei::docker
