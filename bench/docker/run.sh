#!/usr/bin/env bash
# Per-job overhead of the Docker executor: N jobs of one `true` step through `hodei-worker run` (executor docker)
# against `docker run --rm --network none IMAGE true` N times, alternating, on the same daemon. Both are whole
# processes timed from spawn to exit (the worker also loads its plugins and asks the daemon for its version; the CLI
# also connects and negotiates): what a user pays per job either way. The plugin's default network is none as well.
# Writes one result row per percentile (bench/report.py; to $BENCH_ROWS, or stdout).
#
#   bench/docker/run.sh [BUILD_DIR]     # default build/release (bin/hodei-worker, the docker executor plugin)
#
# Needs DOCKER_HOST (unix://...) and HODEI_TEST_DOCKER_IMAGE (source the docker.env of scripts/services/docker.sh);
# without them the rows are marked skipped. DOCKER_RUNS (N, default 20; 2 under BENCH_SMOKE=1) tunes it; the first
# round warms up and is not counted. The CLI is /usr/bin/docker (the daemon's own version) unless BENCH_DOCKER_CLI
# is set.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
build="${1:-build/release}"
bench_need "$build" bin/hodei-worker lib/hodei/plugins/libhodei-executor-docker.so
runs="${DOCKER_RUNS:-$(bench_smoke && echo 2 || echo 20)}"
if [ -z "${DOCKER_HOST:-}" ] || [ -z "${HODEI_TEST_DOCKER_IMAGE:-}" ]; then
  for p in p50 p90; do bench_skip docker "per-job overhead, $p" "no Docker daemon (DOCKER_HOST unset)"; done
  exit 0
fi
image="$HODEI_TEST_DOCKER_IMAGE"
cli="${BENCH_DOCKER_CLI:-$( [ -x /usr/bin/docker ] && echo /usr/bin/docker || echo docker)}"
work="$(mktemp -d "${TMPDIR:-/tmp}/hodei-docker-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cat >"$work/true.json" <<JSON
{ "name": "true", "executor": "docker", "docker": { "image": "$image", "pull": "never" },
  "steps": [{ "name": "true", "run": "true" }] }
JSON

elapsed_ms() { # CMD...: runs it (output discarded, failure fatal), prints its wall time in ms
  local t0 t1
  t0=$(now_ns)
  "$@" >/dev/null 2>"$work/last.err" || { echo "docker bench: '$*' failed:" >&2; cat "$work/last.err" >&2; exit 1; }
  t1=$(now_ns)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) / 1e6 }'
}
: >"$work/hodei.ms"
: >"$work/cli.ms"
echo "docker: $runs jobs each way..." >&2
for i in $(seq 0 "$runs"); do
  h=$(XDG_CACHE_HOME="$work/cache" elapsed_ms "$build/bin/hodei-worker" run "$work/true.json" \
    --workspace-root "$work/ws")
  c=$(elapsed_ms "$cli" run --rm --network none "$image" true)
  [ "$i" -eq 0 ] && continue # warm-up round
  echo "$h" >>"$work/hodei.ms"
  echo "$c" >>"$work/cli.ms"
done
pct() {
  sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END { i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; print v[i] }'
}
for p in 50 90; do
  bench_row section=docker benchmark="per-job overhead, p$p of $runs" figure="$(pct "$work/hodei.ms" $p)" unit=ms \
    better=lower baseline="docker run --rm --network none" baseline_figure="$(pct "$work/cli.ms" $p)" \
    note="hodei-worker run of one true step (executor docker), process start to exit; alternating"
done
