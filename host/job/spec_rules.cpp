#include "spec_rules.hpp"

#include <algorithm>

namespace hodei::job {
namespace {

bool is_alpha(char c) noexcept { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_hex(char c) noexcept { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_id_char(char c) noexcept { return is_alpha(c) || is_digit(c) || c == '_' || c == '-'; }

} // namespace

bool is_env_name(std::string_view name) noexcept {
  if (name.empty() || is_digit(name.front())) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return is_alpha(c) || is_digit(c) || c == '_'; });
}

bool is_executor_id(std::string_view id) noexcept {
  if (id.empty() || id.front() == '.' || id.back() == '.' || id.find("..") != std::string_view::npos) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return is_id_char(c) || c == '.'; });
}

const std::vector<std::string> &job_field_names() {
  static const std::vector<std::string> names = {
      "artifacts",         "cancel_grace_seconds", "env", "executor", "name", "secrets", "steps", "timeout_seconds",
      "working_directory", "workspace_cleanup"};
  return names;
}

bool is_executor_options_key(std::string_view key) noexcept {
  if (!is_executor_id(key) || key.find('.') != std::string_view::npos) return false;
  const auto &fields = job_field_names();
  return std::find(fields.begin(), fields.end(), key) == fields.end();
}

bool is_blank(std::string_view text) noexcept {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; });
}

std::size_t utf8_length(std::string_view text) noexcept {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

bool has_control_characters(std::string_view text) noexcept {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20U || byte == 0x7FU;
  });
}

std::optional<std::string> relative_path_problem(std::string_view path) {
  if (path.empty()) return "expected a non-empty relative path";
  if (path.find('\0') != std::string_view::npos) return "expected a path without NUL characters";
  if (path.front() == '/') return "expected a relative path (inside the workspace), got an absolute path";
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    if (path.substr(start, end - start) == "..") {
      return "expected a path inside the workspace, got a path with a '..' component";
    }
    start = end + 1;
  }
  return std::nullopt;
}

bool has_uri_scheme(std::string_view uri) noexcept {
  const std::size_t separator = uri.find("://");
  if (separator == std::string_view::npos || separator == 0 || separator + 3 >= uri.size()) return false;
  const std::string_view scheme = uri.substr(0, separator);
  if (!is_alpha(scheme.front())) return false;
  return std::all_of(scheme.begin(), scheme.end(),
                     [](char c) { return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.'; });
}

bool is_sha256_hex(std::string_view text) noexcept {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), is_hex);
}

std::string to_lower_ascii(std::string_view text) {
  std::string out(text);
  for (char &c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

} // namespace hodei::job
