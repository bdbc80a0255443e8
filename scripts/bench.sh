#!/usr/bin/env bash
# The benchmark suite in one command (never part of the test suite; bench/README.md says what each figure means).
# Each benchmark writes result rows, each figure beside a baseline measured in the same run, and this script renders
# them with the machine, its load and the versions into RESULTS_DIR/results.md and results.json.
#
#   scripts/bench.sh [--smoke] [--build-dir DIR] [--out DIR] [SECTION...]
#
# SECTION: all (default) or any of
#   agent      bench/agent/run.sh: hodei-worker serve + hodei-devserver: dispatch vs a posix_spawn loop,
#              submit->result latency, idle RSS/CPU/wakeups, log throughput vs a plain pipe and peak RSS during it
#   shell      bench/shell/run.sh: the shell executor's output throughput alone vs a pipe
#   plugins    bench/plugins/run.sh: plugin load time vs dlopen of the same files
#   cache      bench/artifacts/cache_verify.sh: cache-hit verification vs sha256sum
#   docker     bench/docker/run.sh: docker executor per-job overhead vs docker run --rm
#   artifacts  bench/artifacts/run.sh: S3 artifact upload/download vs aws s3 cp
#
# --build-dir DIR  binaries and plugins (default build/release). For the default, the release preset is configured
#                  if needed and the targets the chosen sections need are built (ninja -j2; BENCH_NO_BUILD=1 skips).
# --out DIR        where results.{md,json} go (default bench/results/<UTC timestamp>, ignored by git).
# --smoke          (or BENCH_SMOKE=1) tiny sizes through the same code paths, no build, and no services started:
#                  docker and artifacts run only when DOCKER_HOST / HODEI_TEST_S3_ENDPOINT are set, else their rows
#                  say skipped. For checking the scripts (ctest runs it), not for figures.
#
# Services: docker and artifacts need a private Docker daemon and an S3 server. Unless DOCKER_HOST (with
# HODEI_TEST_DOCKER_IMAGE) or HODEI_TEST_S3_ENDPOINT are already set, this script starts them itself with
# scripts/services/docker.sh and s3.sh in temp folders, right before their section, and stops them after it (and on
# exit). That needs root; without it those rows say skipped.
#
# Sizes keep a full run under 10 minutes on a 2-core machine; scale up with JOBS, LATENCY_RUNS, LOG_MIB,
# IDLE_SECONDS, LOG_SYNC, SERVER_DATA, TMPFS_COMPARE (agent), SHELL_MB, SHELL_ROUNDS, PLUGIN_RUNS, CACHE_MB,
# CACHE_ROUNDS, DOCKER_RUNS, ARTIFACT_MB, PLUGIN_CONFIG_EXTRA (see each script). Temp folders go under TMPDIR
# (default /tmp). Exit status: 0, or 1 when a section failed (its row says error and the results are still
# written), 2 for bad usage.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

all_sections=(plugins cache shell agent docker artifacts)
usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

build_dir="${BENCH_BUILD_DIR:-build/release}"
out_dir=""
sections=()
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) export BENCH_SMOKE=1 ;;
    --build-dir) [ $# -ge 2 ] || usage; build_dir="$2"; shift ;;
    --out) [ $# -ge 2 ] || usage; out_dir="$2"; shift ;;
    -h | --help) usage ;;
    all) sections+=("${all_sections[@]}") ;;
    agent | shell | plugins | cache | docker | artifacts) sections+=("$1") ;;
    *)
      echo "bench.sh: unknown argument '$1'" >&2
      usage
      ;;
  esac
  shift
done
[ ${#sections[@]} -gt 0 ] || sections=("${all_sections[@]}")
build_dir="${build_dir%/}"
started_utc="$(date -u +%Y%m%dT%H%M%SZ)"
out_dir="${out_dir:-bench/results/$started_utc}"
mkdir -p "$out_dir"
export BENCH_ROWS="$out_dir/rows.jsonl"
: >"$BENCH_ROWS"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
t_start=$(now_ns)

# --- build ----------------------------------------------------------------------------------------------------------
targets_of() {
  case "$1" in
    agent)
      echo hodei-worker hodei-devserver hodei_executor_shell hodei_bench_spawn_baseline hodei_bench_submit_latency
      ;;
    shell) echo hodei_shell_throughput ;;
    plugins) echo hodei_plugin_load_bench ;;
    cache) echo hodei_bench_cache_verify ;;
    docker) echo hodei-worker hodei_executor_shell hodei_executor_docker ;;
    artifacts) echo hodei_artifact_s3 hodei_bench_artifact ;;
  esac
}
if ! bench_smoke && [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  if [ "$build_dir" = build/release ] && [ ! -f build/release/build.ninja ]; then
    launcher=()
    command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
    cmake --preset release "${launcher[@]}" >/dev/null
  fi
  if [ -f "$build_dir/build.ninja" ]; then
    # shellcheck disable=SC2046 # word splitting of the target lists is wanted
    ninja -C "$build_dir" -j "${BENCH_BUILD_JOBS:-2}" \
      $(for s in "${sections[@]}"; do targets_of "$s"; done | tr ' ' '\n' | sort -u) >&2
  fi
fi
t_measure=$(now_ns)

# --- services (started here only when needed and not provided) ------------------------------------------------------
service_dir=""
service_kind=""
# shellcheck disable=SC2317 # (called from the EXIT trap)
stop_service() {
  [ -n "$service_dir" ] || return 0
  echo "bench.sh: stopping the $service_kind service" >&2
  "scripts/services/$service_kind.sh" stop "$service_dir" >/dev/null 2>&1 || true
  rm -rf "$service_dir"
  service_dir=""
}
trap stop_service EXIT
trap 'exit 130' INT TERM

# start_service docker|s3: starts the service in a temp folder and sources its env file into this shell, or
# returns 1 with the reason in $service_skip.
service_skip=""
start_service() {
  local kind="$1"
  if bench_smoke; then service_skip="not started under --smoke"; return 1; fi
  if [ "$(id -u)" -ne 0 ]; then service_skip="starting scripts/services/$kind.sh needs root"; return 1; fi
  service_kind="$kind"
  service_dir="$(mktemp -d "${TMPDIR:-/tmp}/hodei-bench-$kind.XXXXXX")"
  echo "bench.sh: starting the $kind service in $service_dir" >&2
  local env_file
  if ! env_file="$("scripts/services/$kind.sh" start "$service_dir" 2>"$service_dir.log" | tail -1)"; then
    service_skip="scripts/services/$kind.sh start failed (see $service_dir.log)"
    return 1
  fi
  rm -f "$service_dir.log"
  # shellcheck disable=SC1090 # (the file exports its variables)
  source "$env_file"
}

# --- sections -------------------------------------------------------------------------------------------------------
script_of() {
  case "$1" in
    agent) echo bench/agent/run.sh ;;
    shell) echo bench/shell/run.sh ;;
    plugins) echo bench/plugins/run.sh ;;
    cache) echo bench/artifacts/cache_verify.sh ;;
    docker) echo bench/docker/run.sh ;;
    artifacts) echo bench/artifacts/run.sh ;;
  esac
}
failed=0
for section in "${sections[@]}"; do
  echo "bench.sh: == $section" >&2
  started_here=""
  case "$section" in
    docker)
      if [ -z "${DOCKER_HOST:-}" ]; then
        if start_service docker; then started_here=1; else
          bench_skip docker "per-job overhead" "no Docker daemon: $service_skip"
          continue
        fi
      fi
      ;;
    artifacts)
      if [ -z "${HODEI_TEST_S3_ENDPOINT:-}" ]; then
        if start_service s3; then started_here=1; else
          bench_skip artifacts "S3 upload and download" "no S3 server: $service_skip"
          continue
        fi
      fi
      ;;
  esac
  t0=$(now_ns)
  if ! "$(script_of "$section")" "$build_dir"; then
    failed=1
    bench_row section="$section" benchmark="(whole section)" error="the script failed; its output is above"
  fi
  echo "bench.sh: $section took $(secs "$t0" "$(now_ns)") s" >&2
  if [ -n "$started_here" ]; then
    stop_service
    [ "$section" = docker ] && unset DOCKER_HOST HODEI_TEST_DOCKER_IMAGE
    [ "$section" = artifacts ] && unset HODEI_TEST_S3_ENDPOINT
  fi
done
t_end=$(now_ns)

# --- report ---------------------------------------------------------------------------------------------------------
{
  echo "started_utc=$started_utc"
  echo "smoke=${BENCH_SMOKE:-0}"
  echo "build_dir=$build_dir"
  echo "load_before=$load_before"
  echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "wall_seconds=$(secs "$t_measure" "$t_end")"
  echo "build_seconds=$(secs "$t_start" "$t_measure")"
  echo "sections=${sections[*]}"
  for v in JOBS LATENCY_RUNS LOG_MIB IDLE_SECONDS LOG_SYNC SERVER_DATA TMPFS_COMPARE SHELL_MB SHELL_ROUNDS \
    PLUGIN_RUNS CACHE_MB CACHE_ROUNDS DOCKER_RUNS ARTIFACT_MB SIZE_MB ROUNDS PLUGIN_CONFIG_EXTRA; do
    [ -n "${!v:-}" ] && echo "$v=${!v}"
  done
} >"$out_dir/meta.env"
python3 bench/report.py render "$BENCH_ROWS" "$out_dir" --meta-env "$out_dir/meta.env"
rm -f "$out_dir/meta.env" "$BENCH_ROWS"
echo >&2
cat "$out_dir/results.md" >&2
echo "$out_dir/results.md"
exit "$failed"
