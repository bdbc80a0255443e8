/* A shared library that is not a Hodei plugin: it exports no hodei_plugin_entry. */
#include <hodei/abi.h>

HODEI_EXPORT int hodei_test_not_a_plugin(void);
HODEI_EXPORT int hodei_test_not_a_plugin(void) { return 42; }
