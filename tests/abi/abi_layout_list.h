/* X-macro list of layout facts of the ABI 1.0 structs, evaluated once by the C compiler (abi_layout_c.c) and once by
 * the C++ compiler (abi_layout_test.cpp), which compares both and checks the expected LP64 values. */
#ifndef HODEI_TEST_ABI_LAYOUT_LIST_H
#define HODEI_TEST_ABI_LAYOUT_LIST_H

#include <hodei/plugin_api.h>

/* X(name, expression, expected value on LP64) */
#define HODEI_ABI_LAYOUT(X)                                                                                            \
  X(plugin_magic, offsetof(hodei_plugin, magic), 0)                                                                    \
  X(plugin_struct_size, offsetof(hodei_plugin, struct_size), 8)                                                        \
  X(plugin_abi_major, offsetof(hodei_plugin, abi_major), 12)                                                           \
  X(plugin_abi_minor, offsetof(hodei_plugin, abi_minor), 14)                                                           \
  X(plugin_descriptor, offsetof(hodei_plugin, descriptor), 16)                                                         \
  X(plugin_init, offsetof(hodei_plugin, init), 24)                                                                     \
  X(plugin_deinit, offsetof(hodei_plugin, deinit), 32)                                                                 \
  X(plugin_get_interface, offsetof(hodei_plugin, get_interface), 40)                                                   \
  X(plugin_size, sizeof(hodei_plugin), 48)                                                                             \
  X(plugin_v1_0_size, HODEI_PLUGIN_V1_0_SIZE, 48)                                                                      \
  X(error_capacity, offsetof(hodei_error, capacity), 4)                                                                \
  X(error_message, offsetof(hodei_error, message), 8)                                                                  \
  X(error_size, sizeof(hodei_error), 16)                                                                               \
  X(host_abi_major, offsetof(hodei_host_services, abi_major), 4)                                                       \
  X(host_abi_minor, offsetof(hodei_host_services, abi_minor), 6)                                                       \
  X(host_ctx, offsetof(hodei_host_services, host_ctx), 8)                                                              \
  X(host_log, offsetof(hodei_host_services, log), 16)                                                                  \
  X(host_config_get, offsetof(hodei_host_services, config_get), 24)                                                    \
  X(host_get_extension, offsetof(hodei_host_services, get_extension), 32)                                              \
  X(host_size, sizeof(hodei_host_services), 40)                                                                        \
  X(descriptor_kinds, offsetof(hodei_plugin_descriptor, kinds), 4)                                                     \
  X(descriptor_capabilities, offsetof(hodei_plugin_descriptor, capabilities), 8)                                       \
  X(descriptor_id, offsetof(hodei_plugin_descriptor, id), 16)                                                          \
  X(descriptor_name, offsetof(hodei_plugin_descriptor, name), 24)                                                      \
  X(descriptor_version, offsetof(hodei_plugin_descriptor, version), 32)                                                \
  X(descriptor_description, offsetof(hodei_plugin_descriptor, description), 40)                                        \
  X(descriptor_uri_schemes, offsetof(hodei_plugin_descriptor, uri_schemes), 48)                                        \
  X(descriptor_config_schema_json, offsetof(hodei_plugin_descriptor, config_schema_json), 56)                          \
  X(descriptor_size, sizeof(hodei_plugin_descriptor), 64)                                                              \
  X(kv_size, sizeof(hodei_kv), 16)                                                                                     \
  X(step_spec_name, offsetof(hodei_step_spec, name), 8)                                                                \
  X(step_spec_env_count, offsetof(hodei_step_spec, env_count), 32)                                                     \
  X(step_spec_working_dir, offsetof(hodei_step_spec, working_dir), 40)                                                 \
  X(step_spec_size, sizeof(hodei_step_spec), 48)                                                                       \
  X(job_spec_steps, offsetof(hodei_job_spec, steps), 32)                                                               \
  X(job_spec_env_count, offsetof(hodei_job_spec, env_count), 48)                                                       \
  X(job_spec_secret_count, offsetof(hodei_job_spec, secret_count), 52)                                                 \
  X(job_spec_secrets, offsetof(hodei_job_spec, secrets), 56)                                                           \
  X(job_spec_options_json, offsetof(hodei_job_spec, options_json), 64)                                                 \
  X(job_spec_size, sizeof(hodei_job_spec), 72)                                                                         \
  X(step_result_started, offsetof(hodei_step_result, started_unix_ms), 16)                                             \
  X(step_result_size, sizeof(hodei_step_result), 40)                                                                   \
  X(job_result_message, offsetof(hodei_job_result, message), 24)                                                       \
  X(job_result_size, sizeof(hodei_job_result), 536)                                                                    \
  X(sink_write, offsetof(hodei_output_sink, write), 16)                                                                \
  X(sink_step_finished, offsetof(hodei_output_sink, step_finished), 32)                                                \
  X(sink_size, sizeof(hodei_output_sink), 40)                                                                          \
  X(executor_validate, offsetof(hodei_executor_v1, validate), 8)                                                       \
  X(executor_destroy, offsetof(hodei_executor_v1, destroy), 40)                                                        \
  X(executor_fingerprint, offsetof(hodei_executor_v1, fingerprint), 72)                                                \
  X(executor_size, sizeof(hodei_executor_v1), 80)                                                                      \
  X(read_stream_size_field, offsetof(hodei_read_stream, size), 16)                                                     \
  X(read_stream_size, sizeof(hodei_read_stream), 32)                                                                   \
  X(write_stream_size, sizeof(hodei_write_stream), 24)                                                                 \
  X(cancel_token_size, sizeof(hodei_cancel_token), 24)                                                                 \
  X(object_info_etag, offsetof(hodei_object_info, etag), 24)                                                           \
  X(object_info_sha256_hex, offsetof(hodei_object_info, sha256_hex), 152)                                              \
  X(object_info_size, sizeof(hodei_object_info), 224)                                                                  \
  X(backend_put, offsetof(hodei_artifact_backend_v1, put), 8)                                                          \
  X(backend_list, offsetof(hodei_artifact_backend_v1, list), 40)                                                       \
  X(backend_size, sizeof(hodei_artifact_backend_v1), 48)

#endif
