// Compile-only: <hodei/plugin_api.h> is valid C++ in every standard it promises (11, 14, 17, 20), built with the
// project's warnings as errors. The functions have C linkage like a plugin's entry would.
#include <hodei/plugin_api.h>

extern "C" {
static hodei_status check_write(void *, uint32_t, const uint8_t *, size_t) { return HODEI_OK; }
}

extern "C" const hodei_plugin *hodei_abi_cxx_check_entry(void);
extern "C" const hodei_plugin *hodei_abi_cxx_check_entry(void) {
  static const hodei_plugin_descriptor descriptor = {sizeof(hodei_plugin_descriptor),
                                                     HODEI_KIND_EXECUTOR,
                                                     0,
                                                     "dev.hodei.check",
                                                     "check",
                                                     "1.0.0",
                                                     nullptr,
                                                     nullptr,
                                                     nullptr};
  static const hodei_plugin plugin = {HODEI_PLUGIN_MAGIC,
                                      sizeof(hodei_plugin),
                                      HODEI_ABI_MAJOR,
                                      HODEI_ABI_MINOR,
                                      &descriptor,
                                      nullptr,
                                      nullptr,
                                      nullptr};
  static const hodei_output_sink sink = {sizeof(hodei_output_sink), 0, nullptr, &check_write, nullptr, nullptr};
  static_assert(HODEI_PLUGIN_V1_0_SIZE == sizeof(hodei_plugin), "ABI 1.0 entry size");
  (void)sink;
  return &plugin;
}
