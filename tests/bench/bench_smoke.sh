#!/usr/bin/env bash
# ctest entry bench_smoke: scripts/bench.sh --smoke against BUILD_DIR into a temp folder, then
# bench/report.py check on what it wrote. Fails when the suite fails or its results are missing or malformed.
#   tests/bench/bench_smoke.sh BUILD_DIR
set -euo pipefail
build="$(cd "${1:?usage: bench_smoke.sh BUILD_DIR}" && pwd)"
cd "$(dirname "$0")/../.."
out="$(mktemp -d "${TMPDIR:-/tmp}/hodei-bench-smoke.XXXXXX")"
trap 'rm -rf "$out"' EXIT
scripts/bench.sh --smoke --build-dir "$build" --out "$out/results"
python3 bench/report.py check "$out/results"
