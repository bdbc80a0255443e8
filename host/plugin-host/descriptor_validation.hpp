// Checks of what a plugin declares: its descriptor (before init) and its interface tables (after init).
// Each check returns nullopt, or the problem as a message without the file name (the registry prepends it).
#pragma once

#include "plugin_info.hpp"

#include <cstddef>
#include <hodei/plugin_api.h>
#include <optional>
#include <string>
#include <string_view>

namespace hodei::plugins {

// Sizes of the ABI 1.0 structs. A reader accepts any struct_size >= these: later minors only append fields.
inline constexpr size_t kDescriptorV1_0Size = HODEI_PLUGIN_DESCRIPTOR_V1_0_SIZE;
inline constexpr size_t kExecutorV1_0Size = HODEI_EXECUTOR_V1_0_SIZE;
inline constexpr size_t kArtifactBackendV1_0Size = HODEI_ARTIFACT_BACKEND_V1_0_SIZE;
inline constexpr size_t kStepResultV1_0Size = HODEI_STEP_RESULT_V1_0_SIZE;
inline constexpr uint32_t kKnownKinds = HODEI_KIND_EXECUTOR | HODEI_KIND_ARTIFACT_BACKEND;

// Lowercase reverse-DNS: [a-z0-9-]+(\.[a-z0-9-]+)+
[[nodiscard]] bool is_valid_plugin_id(std::string_view id) noexcept;
// Semantic Versioning 2.0.0: MAJOR.MINOR.PATCH[-pre][+build], no leading zeros in numeric identifiers.
[[nodiscard]] bool is_valid_semver(std::string_view version) noexcept;
// RFC 3986 scheme, lowercase: [a-z][a-z0-9+.-]*
[[nodiscard]] bool is_valid_uri_scheme(std::string_view scheme) noexcept;
// The last dot component of an id: what a job's "executor" may say.
[[nodiscard]] std::string short_name_of(std::string_view id);

// Checks the descriptor; when it is valid, copies its fields into `out` (id, short_name, name, version, description,
// kinds, capabilities, uri_schemes, config_schema_json). Messages start with "invalid descriptor: ".
[[nodiscard]] std::optional<std::string> validate_descriptor(const hodei_plugin_descriptor *descriptor,
                                                             PluginInfo &out);

// Checks what get_interface returned for a declared kind (NULL included): struct_size, required functions, and
// that every declared capability bit has its function.
[[nodiscard]] std::optional<std::string> validate_executor_table(const hodei_executor_v1 *table, uint64_t capabilities);
[[nodiscard]] std::optional<std::string> validate_backend_table(const hodei_artifact_backend_v1 *table,
                                                                uint64_t capabilities);

} // namespace hodei::plugins
