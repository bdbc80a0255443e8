/* Hodei Worker plugin ABI — include this one header to write a plugin in C. */
#ifndef HODEI_PLUGIN_API_H
#define HODEI_PLUGIN_API_H
#include "abi.h"
#include "artifact_backend.h"
#include "executor.h"
#endif
