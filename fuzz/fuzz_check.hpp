// FUZZ_CHECK(condition, what): an invariant of a fuzz target. On violation it prints what was expected and aborts,
// which libFuzzer reports as a crash (and the replay test as a failure), with the input saved as the reproducer.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition, what)                                                                                    \
  do {                                                                                                                 \
    if (!(condition)) {                                                                                                \
      std::fprintf(stderr, "fuzz invariant violated at %s:%d: %s (%s)\n", __FILE__, __LINE__, what, #condition);       \
      std::abort();                                                                                                    \
    }                                                                                                                  \
  } while (false)
