/* Links (without -z defs) against a function no library provides: dlopen(RTLD_NOW) fails with
 * "undefined symbol: hodei_test_symbol_nobody_defines". */
#include <hodei/abi.h>

extern const hodei_plugin *hodei_test_symbol_nobody_defines(void);

HODEI_EXPORT const hodei_plugin *hodei_plugin_entry(void) { return hodei_test_symbol_nobody_defines(); }
