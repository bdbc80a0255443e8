/* The layout facts of abi_layout_list.h as the C compiler sees them. */
#include "abi_layout_list.h"

#define HODEI_AS_VALUE(name, expr, lp64) (size_t)(expr),
const size_t hodei_abi_layout_from_c[] = {HODEI_ABI_LAYOUT(HODEI_AS_VALUE)};
const size_t hodei_abi_layout_from_c_count = sizeof hodei_abi_layout_from_c / sizeof hodei_abi_layout_from_c[0];
