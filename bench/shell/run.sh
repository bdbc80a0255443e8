#!/usr/bin/env bash
# Output throughput of the shell executor alone (no worker, no server): a step writing SHELL_MB MiB of zeros to
# stdout, moved by the plugin into a sink that only counts (hodei-shell-throughput, tests/shell/shell_throughput.cpp),
# against the same producer piped into `cat >/dev/null`. Tells the executor's share of the agent's log throughput.
# Writes one row (bench/report.py; to $BENCH_ROWS, or stdout).
#
#   bench/shell/run.sh [BUILD_DIR]     # default build/release (bin/hodei-shell-throughput)
# SHELL_MB (default 1024; 16 under BENCH_SMOKE=1) and SHELL_ROUNDS (default 3, 1 under BENCH_SMOKE=1; the best of
# each side counts, as a shared machine only ever makes a run slower) tune it.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
build="${1:-build/release}"
bench_need "$build" bin/hodei-shell-throughput
size_mib="${SHELL_MB:-$(bench_smoke && echo 16 || echo 1024)}"
rounds="${SHELL_ROUNDS:-$(bench_smoke && echo 1 || echo 3)}"
out=$(for _ in $(seq "$rounds"); do "$build/bin/hodei-shell-throughput" $((size_mib << 20)); done)
echo "$out" >&2
best() { echo "$out" | awk -v w="$1" '$1 == w && $NF == "MiB/s" && $(NF - 1) > b { b = $(NF - 1) } END { print b }'; }
bench_row section=shell benchmark="shell executor output, $size_mib MiB" figure="$(best plugin:)" unit=MiB/s \
  better=higher baseline="same producer | cat >/dev/null" baseline_figure="$(best reference:)" \
  note="plugin into a counting sink, no worker or server; best of $rounds rounds, each plugin then pipe"
