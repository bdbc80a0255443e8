/* Exports hodei_plugin_entry as DATA, not as a function: the host must not call it. */
#include <hodei/abi.h>

HODEI_EXPORT extern const unsigned char hodei_plugin_entry[16];
const unsigned char hodei_plugin_entry[16] = {0xde, 0xad, 0xbe, 0xef};
