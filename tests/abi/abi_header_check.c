/* Compile-only: <hodei/plugin_api.h> is valid C99 (built with -std=c99 -Wall -Wextra -Wpedantic -Werror). */
#include <hodei/plugin_api.h>

/* Use a little of everything so that a broken declaration cannot hide. */
static hodei_status check_write(void *ctx, uint32_t stream, const uint8_t *data, size_t len) {
  (void)ctx, (void)stream, (void)data, (void)len;
  return HODEI_OK;
}

size_t hodei_abi_c99_check(void);
size_t hodei_abi_c99_check(void) {
  hodei_output_sink sink = {sizeof(hodei_output_sink), 0, NULL, check_write, NULL, NULL};
  hodei_plugin_entry_fn entry = NULL;
  const uint64_t caps = HODEI_CAP_EXECUTOR_SIGNAL | HODEI_CAP_ARTIFACT_LIST;
  (void)entry;
  return sink.struct_size + HODEI_PLUGIN_V1_0_SIZE + (size_t)(caps >> 16) + (size_t)HODEI_SIZE_UNKNOWN +
         sizeof(hodei_executor_v1) + sizeof(hodei_artifact_backend_v1) + (size_t)(HODEI_PLUGIN_MAGIC & 0xFF);
}
