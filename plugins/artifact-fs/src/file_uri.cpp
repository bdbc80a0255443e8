#include "file_uri.hpp"

#include <hodei/sdk.hpp>

namespace hodei::artifact_fs {
namespace {

constexpr std::string_view kScheme = "file://";

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) noexcept {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    const char a = (s[i] >= 'A' && s[i] <= 'Z') ? static_cast<char>(s[i] - 'A' + 'a') : s[i];
    if (a != prefix[i]) return false;
  }
  return true;
}

bool is_path_char(unsigned char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("-._~/!$&'()*+,;=:@").find(static_cast<char>(c)) != std::string_view::npos;
}

} // namespace

std::string path_from_file_uri(std::string_view uri) {
  const std::string shown(uri);
  if (!starts_with_ci(uri, kScheme))
    throw sdk::invalid_argument("uri \"" + shown + "\": expected a file:// URI such as file:///var/lib/x");
  std::string_view rest = uri.substr(kScheme.size());
  const size_t slash = rest.find('/');
  const std::string_view host = rest.substr(0, slash);
  if (!host.empty() && host != "localhost")
    throw sdk::invalid_argument("uri \"" + shown + "\": host \"" + std::string(host) +
                                "\" is not supported (only local files: file:///path)");
  if (slash == std::string_view::npos)
    throw sdk::invalid_argument("uri \"" + shown + "\": expected an absolute path after file://");
  rest = rest.substr(slash);

  std::string path;
  path.reserve(rest.size());
  for (size_t i = 0; i < rest.size(); ++i) {
    const char c = rest[i];
    if (c == '?' || c == '#')
      throw sdk::invalid_argument("uri \"" + shown + "\": '" + std::string(1, c) +
                                  "' is not allowed in a file URI path (percent-encode it)");
    if (c != '%') {
      path.push_back(c);
      continue;
    }
    const int hi = i + 2 < rest.size() ? hex_value(rest[i + 1]) : -1;
    const int lo = i + 2 < rest.size() ? hex_value(rest[i + 2]) : -1;
    if (hi < 0 || lo < 0)
      throw sdk::invalid_argument("uri \"" + shown + "\": bad percent-escape at offset " +
                                  std::to_string(kScheme.size() + slash + i) + " (write % as %25)");
    const char decoded = static_cast<char>(hi * 16 + lo);
    if (decoded == '\0') throw sdk::invalid_argument("uri \"" + shown + "\": %00 is not allowed");
    path.push_back(decoded);
    i += 2;
  }
  return path;
}

std::string file_uri_from_path(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out(kScheme);
  out.reserve(kScheme.size() + path.size());
  for (const char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (is_path_char(u)) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    }
  }
  return out;
}

} // namespace hodei::artifact_fs
