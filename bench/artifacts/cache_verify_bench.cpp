// Times what the artifact cache does before every cache hit — hashing the entry (host/artifacts/sha256.cpp) — on
// one file. bench/artifacts/cache_verify.sh runs it beside `sha256sum` of the same file.
#include "artifacts/sha256.hpp"

#include <chrono>
#include <cstdio>

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: cache_verify_bench FILE\n");
    return 2;
  }
  const auto t0 = std::chrono::steady_clock::now();
  const std::string digest = hodei::artifacts::sha256_file(argv[1]);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%s %.3f\n", digest.c_str(), s);
  return 0;
}
