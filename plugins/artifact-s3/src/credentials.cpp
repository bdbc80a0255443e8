#include "credentials.hpp"

#include <cstdlib>
#include <fstream>
#include <hodei/sdk.hpp>
#include <map>
#include <pwd.h>
#include <unistd.h>
#include <vector>

namespace hodei::artifact_s3 {
namespace {

std::string trim(const std::string &s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  const size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string home_dir(const EnvLookup &env) {
  if (auto home = env("HOME"); home && !home->empty()) return *home;
  passwd entry{};
  passwd *found = nullptr;
  std::vector<char> buffer(16384); // getpwuid_r: the re-entrant form (the plugin may run on any host thread)
  if (::getpwuid_r(::getuid(), &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr &&
      found->pw_dir != nullptr) {
    return found->pw_dir;
  }
  return {};
}

} // namespace

std::optional<std::string> process_env(const char *name) {
  const char *v = std::getenv(name); // NOLINT(concurrency-mt-unsafe): the host never sets the environment
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

std::optional<Credentials> read_credentials_file(const std::string &path, const std::string &profile) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::map<std::string, std::string> values;
  bool in_profile = false;
  bool found = false;
  std::string line;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      in_profile = trim(line.substr(1, line.size() - 2)) == profile;
      found = found || in_profile;
      continue;
    }
    const size_t eq = line.find('=');
    if (in_profile && eq != std::string::npos) values[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
  }
  if (!found) return std::nullopt;
  Credentials c;
  c.access_key = values["aws_access_key_id"];
  c.secret_key = values["aws_secret_access_key"];
  c.session_token = values["aws_session_token"];
  c.source = path + " [" + profile + "]";
  return c;
}

Credentials resolve_credentials(const S3Config &config, const EnvLookup &env) {
  if (config.access_key) return {*config.access_key, *config.secret_key, config.session_token.value_or(""), "config"};

  const auto id = env("AWS_ACCESS_KEY_ID");
  const auto secret = env("AWS_SECRET_ACCESS_KEY");
  if (id && !id->empty()) {
    if (!secret || secret->empty())
      throw sdk::invalid_argument("credentials: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    return {*id, *secret, env("AWS_SESSION_TOKEN").value_or(""), "environment (AWS_ACCESS_KEY_ID)"};
  }

  std::string path = env("AWS_SHARED_CREDENTIALS_FILE").value_or("");
  if (path.empty()) {
    const std::string home = home_dir(env);
    if (!home.empty()) path = home + "/.aws/credentials";
  }
  std::string profile = env("AWS_PROFILE").value_or("");
  if (profile.empty()) profile = "default";
  if (!path.empty()) {
    if (std::optional<Credentials> c = read_credentials_file(path, profile)) {
      if (c->access_key.empty() || c->secret_key.empty())
        throw sdk::invalid_argument("credentials: profile [" + profile + "] of " + path +
                                    " lacks aws_access_key_id or aws_secret_access_key");
      return *c;
    }
  }
  throw sdk::invalid_argument("credentials: none found; set config.access_key and config.secret_key, or "
                              "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or profile [" +
                              profile + "] in " + (path.empty() ? std::string("~/.aws/credentials") : path));
}

} // namespace hodei::artifact_s3
