#!/usr/bin/env bash
# Plugin load time: the worker's plugin registry scanning a folder of the test plugins, loading, checking and
# initialising them (hodei_plugin_load_bench, tests/plugin-host/plugin_load_bench.cpp), against the bare minimum any
# plugin host pays for the same files: dlopen(RTLD_NOW) + dlsym + calling the entry point. Every run of either is in
# a fresh child process, so each pays the real relocation and static constructors; alternating; medians.
# Writes one row (bench/report.py; to $BENCH_ROWS, or stdout).
#
#   bench/plugins/run.sh [BUILD_DIR]     # default build/release (bin/hodei_plugin_load_bench and the test plugins)
# PLUGIN_RUNS (default 51; 5 under BENCH_SMOKE=1) tunes it.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
build="${1:-build/release}"
bench_need "$build" bin/hodei_plugin_load_bench
runs="${PLUGIN_RUNS:-$(bench_smoke && echo 5 || echo 51)}"
out=$("$build/bin/hodei_plugin_load_bench" "$runs")
echo "$out" >&2
result=$(echo "$out" | awk '$1 == "result"')
[ -n "$result" ] || { echo "plugins bench: no result line from hodei_plugin_load_bench" >&2; exit 1; }
field() { echo "$result" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'; }
bench_row section=plugins benchmark="plugin load, $(field plugins) test plugins, median of $runs" \
  figure="$(awk -v u="$(field load_us)" 'BEGIN { printf "%.3f", u / 1000 }')" unit=ms better=lower \
  baseline="dlopen + entry point of the same files" \
  baseline_figure="$(awk -v u="$(field dlopen_us)" 'BEGIN { printf "%.3f", u / 1000 }')" \
  note="scan + checks + load + init, fresh process each; deinit of all $(field unload_us) us"
