// Catch2's main lives alone in this file: it is slow to compile, so every test binary links it prebuilt.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
