#!/usr/bin/env bash
# Verifying a cache hit (the SHA-256 the artifact cache computes before every use, host/artifacts/sha256.cpp) beside
# `sha256sum` of the same file, in the same run, page cache warm for both. Target: ratio >= 0.9. Writes one result
# row (bench/report.py; to $BENCH_ROWS, or stdout).
#   bench/artifacts/cache_verify.sh [BUILD_DIR]   # default build/release (bin/hodei-bench-cache-verify)
# CACHE_MB (or SIZE_MB; default 1024; 16 under BENCH_SMOKE=1) and CACHE_ROUNDS (or ROUNDS; default 3, 1 under
# BENCH_SMOKE=1; the best of each counts) tune it.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
build_dir="${1:-build/release}"
bench_need "$build_dir" bin/hodei-bench-cache-verify
size_mib="${CACHE_MB:-${SIZE_MB:-$(bench_smoke && echo 16 || echo 1024)}}"
rounds="${CACHE_ROUNDS:-${ROUNDS:-$(bench_smoke && echo 1 || echo 3)}}"
work="$(mktemp -d "${TMPDIR:-/tmp}/hodei-verify.XXXXXX")"
trap 'rm -rf "$work"' EXIT
verify="$build_dir/bin/hodei-bench-cache-verify"
head -c "$((size_mib << 20))" /dev/urandom >"$work/data.bin"
cat "$work/data.bin" >/dev/null # warm the page cache for both sides
best() { sort -n | awk 'NR == 1'; } # awk reads to the end: no SIGPIPE under pipefail
ours=$(for _ in $(seq "$rounds"); do "$verify" "$work/data.bin" | cut -d' ' -f2; done | best)
theirs=$(for _ in $(seq "$rounds"); do
  t0=$(date +%s.%N); sha256sum "$work/data.bin" >/dev/null; t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
done | best)
[ "$("$verify" "$work/data.bin" | cut -d' ' -f1)" = "$(sha256sum "$work/data.bin" | cut -d' ' -f1)" ] ||
  { echo "cache_verify: digests differ" >&2; exit 1; }
rate() { awk -v m="$size_mib" -v s="$1" 'BEGIN { if (s < 0.001) s = 0.001; printf "%.0f", m / s }'; }
bench_row section=cache benchmark="cache-hit verification, $size_mib MiB" figure="$(rate "$ours")" unit=MiB/s \
  better=higher baseline="sha256sum" baseline_figure="$(rate "$theirs")" target="ratio >= 0.9" \
  note="best of $rounds; ours $ours s, sha256sum $theirs s (sha256sum includes its process start)"
