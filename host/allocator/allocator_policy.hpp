// glibc malloc settings for the long-running services.
//
// Why: a log chunk is up to 1 MiB. With glibc's defaults a buffer that size is served by mmap (or trimmed back to the
// OS as soon as it is freed), so every chunk's pages are faulted in, zeroed by the kernel and unmapped again: about
// a fifth of the CPU of streaming a large log went there (perf, bench/agent). Serving such buffers from the heap
// and trimming only when the process goes idle keeps the memory hot while it is busy and returns it when it is not.
#pragma once

namespace hodei::allocator {

// Buffers up to 4 MiB come from the heap, and free memory is not trimmed back to the OS below 64 MiB of slack
// (release_free_memory() does that when idle). Call once, early in main, before threads start.
void tune_for_streaming();

// Returns free heap memory to the OS (malloc_trim). For "the process just became idle".
void release_free_memory();

} // namespace hodei::allocator
