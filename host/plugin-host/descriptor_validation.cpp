#include "descriptor_validation.hpp"

#include <cstdio>
#include <initializer_list>
#include <utility>

namespace hodei::plugins {

static_assert(kDescriptorV1_0Size == sizeof(hodei_plugin_descriptor), "this host is ABI 1.0: sizes must agree");
static_assert(kExecutorV1_0Size == sizeof(hodei_executor_v1), "this host is ABI 1.0: sizes must agree");
static_assert(kArtifactBackendV1_0Size == sizeof(hodei_artifact_backend_v1), "this host is ABI 1.0: sizes must agree");
static_assert(kStepResultV1_0Size == sizeof(hodei_step_result), "this host is ABI 1.0: sizes must agree");

namespace {

bool is_lower_alnum_or_dash(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_semver_char(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

// Calls `fn` on each '.'-separated part of `s`; false as soon as one part fails.
template <class Fn> bool each_part(std::string_view s, Fn &&fn) noexcept {
  for (;;) {
    const size_t dot = s.find('.');
    if (!fn(s.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    s.remove_prefix(dot + 1);
  }
}

bool is_numeric_identifier(std::string_view s) noexcept {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

bool is_alnum_identifier(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_semver_char(c)) return false;
  return true;
}

bool is_prerelease_identifier(std::string_view s) noexcept {
  if (!is_alnum_identifier(s)) return false;
  for (char c : s)
    if (!is_digit(c)) return true;
  return is_numeric_identifier(s); // all digits: no leading zero
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string truncated_table(const char *table, uint32_t size, size_t needed) {
  return std::string(table) + " table is truncated: struct_size is " + std::to_string(size) +
         " bytes, ABI 1.0 needs at least " + std::to_string(needed);
}

struct Capability {
  uint64_t bit;
  const char *bit_name;
  const char *function;
  bool present;
};

std::optional<std::string> check_capabilities(const char *table, uint64_t capabilities,
                                              std::initializer_list<Capability> caps) {
  for (const Capability &cap : caps) {
    if ((capabilities & cap.bit) != 0 && !cap.present) {
      return std::string("declares ") + cap.bit_name + " but " + table + "." + cap.function + " is NULL";
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_required(const char *table,
                                          std::initializer_list<std::pair<const char *, bool>> functions) {
  for (const auto &[name, present] : functions) {
    if (!present) return std::string(table) + "." + name + " is NULL, but it is required";
  }
  return std::nullopt;
}

} // namespace

bool is_valid_plugin_id(std::string_view id) noexcept {
  if (id.find('.') == std::string_view::npos) return false;
  return each_part(id, [](std::string_view part) {
    if (part.empty()) return false;
    for (char c : part)
      if (!is_lower_alnum_or_dash(c)) return false;
    return true;
  });
}

bool is_valid_semver(std::string_view version) noexcept {
  std::string_view build;
  const size_t plus = version.find('+');
  if (plus != std::string_view::npos) {
    build = version.substr(plus + 1);
    version = version.substr(0, plus);
    if (!each_part(build, is_alnum_identifier)) return false;
  }
  const size_t dash = version.find('-');
  if (dash != std::string_view::npos) {
    if (!each_part(version.substr(dash + 1), is_prerelease_identifier)) return false;
    version = version.substr(0, dash);
  }
  int parts = 0;
  const bool numeric = each_part(version, [&parts](std::string_view part) {
    ++parts;
    return is_numeric_identifier(part);
  });
  return numeric && parts == 3;
}

bool is_valid_uri_scheme(std::string_view scheme) noexcept {
  if (scheme.empty() || scheme[0] < 'a' || scheme[0] > 'z') return false;
  for (char c : scheme)
    if (!is_lower_alnum_or_dash(c) && c != '+' && c != '.') return false;
  return true;
}

std::string short_name_of(std::string_view id) {
  const size_t dot = id.rfind('.');
  return std::string(dot == std::string_view::npos ? id : id.substr(dot + 1));
}

std::optional<std::string> validate_descriptor(const hodei_plugin_descriptor *d, PluginInfo &out) {
  const std::string bad = "invalid descriptor: ";
  if (d == nullptr) return bad + "hodei_plugin.descriptor is NULL";
  if (d->struct_size < kDescriptorV1_0Size) {
    return bad + "struct_size is " + std::to_string(d->struct_size) + " bytes, ABI 1.0 needs at least " +
           std::to_string(kDescriptorV1_0Size);
  }
  if (d->id == nullptr || *d->id == '\0') return bad + "id is missing (NULL or empty)";
  if (!is_valid_plugin_id(d->id)) {
    return bad + "id " + quoted(d->id) +
           " is not a lowercase reverse-DNS name ([a-z0-9-]+ parts joined by dots, e.g. "
           "\"com.example.executor.qemu\")";
  }
  if (d->name == nullptr || *d->name == '\0') return bad + "name is missing (NULL or empty)";
  if (d->version == nullptr || *d->version == '\0') return bad + "version is missing (NULL or empty)";
  if (!is_valid_semver(d->version)) {
    return bad + "version " + quoted(d->version) + " is not a semantic version MAJOR.MINOR.PATCH[-pre][+build]";
  }
  if (d->kinds == 0) return bad + "kinds is 0; declare HODEI_KIND_EXECUTOR and/or HODEI_KIND_ARTIFACT_BACKEND";
  if ((d->kinds & ~kKnownKinds) != 0) {
    char bits[64];
    std::snprintf(bits, sizeof bits, "0x%X (this host knows 0x%X)", d->kinds & ~kKnownKinds, kKnownKinds);
    return bad + "kinds has unknown bits " + bits;
  }
  out.uri_schemes.clear();
  if ((d->kinds & HODEI_KIND_ARTIFACT_BACKEND) != 0) {
    if (d->uri_schemes == nullptr || d->uri_schemes[0] == nullptr) {
      return bad + "an artifact backend must list its URI schemes, but uri_schemes is NULL or empty";
    }
    for (const char *const *s = d->uri_schemes; *s != nullptr; ++s) {
      if (!is_valid_uri_scheme(*s)) {
        return bad + "URI scheme " + quoted(*s) +
               " is invalid (a lowercase letter, then lowercase letters, digits, '+', '-' or '.')";
      }
      out.uri_schemes.emplace_back(*s);
    }
  }
  out.id = d->id;
  out.short_name = short_name_of(out.id);
  out.name = d->name;
  out.version = d->version;
  out.description = d->description != nullptr ? d->description : "";
  out.kinds = d->kinds;
  out.capabilities = d->capabilities;
  out.config_schema_json = d->config_schema_json != nullptr ? d->config_schema_json : "";
  return std::nullopt;
}

std::optional<std::string> validate_executor_table(const hodei_executor_v1 *t, uint64_t capabilities) {
  if (t == nullptr) {
    return "declares HODEI_KIND_EXECUTOR but get_interface(\"" HODEI_EXECUTOR_INTERFACE_V1 "\") returned NULL";
  }
  if (t->struct_size < kExecutorV1_0Size)
    return truncated_table("hodei_executor_v1", t->struct_size, kExecutorV1_0Size);
  if (auto problem = check_required("hodei_executor_v1", {{"start", t->start != nullptr},
                                                          {"wait", t->wait != nullptr},
                                                          {"cancel", t->cancel != nullptr},
                                                          {"destroy", t->destroy != nullptr}})) {
    return problem;
  }
  return check_capabilities(
      "hodei_executor_v1", capabilities,
      {{HODEI_CAP_EXECUTOR_SIGNAL, "HODEI_CAP_EXECUTOR_SIGNAL", "signal", t->signal != nullptr},
       {HODEI_CAP_EXECUTOR_RECOVER, "HODEI_CAP_EXECUTOR_RECOVER", "get_handle", t->get_handle != nullptr},
       {HODEI_CAP_EXECUTOR_RECOVER, "HODEI_CAP_EXECUTOR_RECOVER", "recover", t->recover != nullptr},
       {HODEI_CAP_EXECUTOR_FINGERPRINT, "HODEI_CAP_EXECUTOR_FINGERPRINT", "fingerprint", t->fingerprint != nullptr}});
}

std::optional<std::string> validate_backend_table(const hodei_artifact_backend_v1 *t, uint64_t capabilities) {
  if (t == nullptr) {
    return "declares HODEI_KIND_ARTIFACT_BACKEND but get_interface(\"" HODEI_ARTIFACT_BACKEND_INTERFACE_V1
           "\") returned NULL";
  }
  if (t->struct_size < kArtifactBackendV1_0Size) {
    return truncated_table("hodei_artifact_backend_v1", t->struct_size, kArtifactBackendV1_0Size);
  }
  if (auto problem = check_required("hodei_artifact_backend_v1", {{"put", t->put != nullptr},
                                                                  {"get", t->get != nullptr},
                                                                  {"stat", t->stat != nullptr},
                                                                  {"remove", t->remove != nullptr}})) {
    return problem;
  }
  return check_capabilities("hodei_artifact_backend_v1", capabilities,
                            {{HODEI_CAP_ARTIFACT_LIST, "HODEI_CAP_ARTIFACT_LIST", "list", t->list != nullptr}});
}

} // namespace hodei::plugins
