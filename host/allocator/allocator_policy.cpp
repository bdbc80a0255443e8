#include "allocator/allocator_policy.hpp"

#include <malloc.h>

namespace hodei::allocator {

void tune_for_streaming() {
#if defined(__GLIBC__)
  // Setting either disables glibc's dynamic threshold, which otherwise only rises after the first large free.
  // mallopt is not thread-safe: called once before any thread starts (see the header).
  (void)::mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);  // NOLINT(concurrency-mt-unsafe)
  (void)::mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024); // NOLINT(concurrency-mt-unsafe)
#endif
}

void release_free_memory() {
#if defined(__GLIBC__)
  (void)::malloc_trim(0);
#endif
}

} // namespace hodei::allocator
