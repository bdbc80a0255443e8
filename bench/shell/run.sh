#!/usr/bin/env bash
# Output throughput of the shell executor alone (no worker, no server): a step writing SHELL_MB MiB of zeros to
# stdout, moved by the plugin into a sink that only counts (hodei-shell-throughput, tests/shell/shell_throughput.cpp),
# against the same producer piped into `cat >/dev/null`. Tells the executor's share of the agent's log throughput.
# Writes one row (bench/report.py; to $BENCH_ROWS, or stdout).
#
#   bench/shell/run.sh [BUILD_DIR]     # default build/release (bin/hodei-shell-throughput)
# SHELL_MB (default 1024; 16 under BENCH_SMOKE=1) tunes it.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
build="${1:-build/release}"
bench_need "$build" bin/hodei-shell-throughput
size_mib="${SHELL_MB:-$(bench_smoke && echo 16 || echo 1024)}"
out=$("$build/bin/hodei-shell-throughput" $((size_mib << 20)))
echo "$out" >&2
rate() { echo "$out" | awk -v w="$1" '$1 == w && $NF == "MiB/s" { print $(NF - 1) }'; }
bench_row section=shell benchmark="shell executor output, $size_mib MiB" figure="$(rate plugin:)" unit=MiB/s \
  better=higher baseline="same producer | cat >/dev/null" baseline_figure="$(rate reference:)" \
  note="plugin into a counting sink, no worker or server"
