#!/usr/bin/env bash
# Verifying a 1 GiB cache hit (the SHA-256 the cache computes before every use) beside `sha256sum` of the same
# file, in the same run, page cache warm for both. Target: ratio >= 0.9.
#   bench/artifacts/cache_verify.sh            # SIZE_MB (default 1024), ROUNDS (default 3, the best of each counts)
set -euo pipefail
cd "$(dirname "$0")/../.."
size_mib="${SIZE_MB:-1024}"
rounds="${ROUNDS:-3}"
work="$(mktemp -d /tmp/hodei-verify.XXXXXX)"
trap 'rm -rf "$work"' EXIT
g++ -std=c++20 -O2 -Ihost bench/artifacts/cache_verify_bench.cpp host/artifacts/sha256.cpp -lcrypto \
  -o "$work/cache_verify_bench"
head -c "$((size_mib << 20))" /dev/urandom >"$work/data.bin"
cat "$work/data.bin" >/dev/null # warm the page cache for both sides
best() { sort -n | head -1; }
ours=$(for _ in $(seq "$rounds"); do "$work/cache_verify_bench" "$work/data.bin" | cut -d' ' -f2; done | best)
theirs=$(for _ in $(seq "$rounds"); do
  t0=$(date +%s.%N); sha256sum "$work/data.bin" >/dev/null; t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
done | best)
[ "$("$work/cache_verify_bench" "$work/data.bin" | cut -d' ' -f1)" = "$(sha256sum "$work/data.bin" | cut -d' ' -f1)" ] ||
  { echo "cache_verify: digests differ" >&2; exit 1; }
awk -v o="$ours" -v t="$theirs" -v m="$size_mib" 'BEGIN {
  printf "cache-hit verification of %d MiB: %.0f MiB/s (%.3f s); sha256sum: %.0f MiB/s (%.3f s); ratio %.2fx\n",
         m, m / o, o, m / t, t, t / o }'
