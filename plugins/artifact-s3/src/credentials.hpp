// Where the S3 keys come from: the plugin config, then the environment, then the shared credentials file.
#pragma once

#include "s3_config.hpp"

#include <functional>
#include <optional>
#include <string>

namespace hodei::artifact_s3 {

struct Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token; // empty: none
  std::string source; // where they were found, for logs ("config", "environment", "/root/.aws/credentials [default]")
};

// Looks a variable up; std::getenv by default, injectable for tests.
using EnvLookup = std::function<std::optional<std::string>(const char *name)>;
std::optional<std::string> process_env(const char *name);

// 1. config.access_key / secret_key / session_token
// 2. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN)
// 3. the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else $HOME/.aws/credentials), profile AWS_PROFILE
//    or "default": aws_access_key_id, aws_secret_access_key, aws_session_token
// Throws sdk::invalid_argument saying where it looked when none has keys, or when a source is half filled.
Credentials resolve_credentials(const S3Config &config, const EnvLookup &env = process_env);

// Reads one profile of an INI-style AWS credentials file; nullopt when the file or the profile does not exist.
std::optional<Credentials> read_credentials_file(const std::string &path, const std::string &profile);

} // namespace hodei::artifact_s3
