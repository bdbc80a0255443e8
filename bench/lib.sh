# shellcheck shell=bash
# Helpers shared by the benchmark scripts (sourced; the caller has cd'ed to the repository root).
#   bench_row KEY=VALUE...        one result row (bench/report.py row): to $BENCH_ROWS, or stdout when unset
#   bench_skip SECTION BENCHMARK REASON
#   bench_smoke                   true under BENCH_SMOKE=1 (tiny sizes, same code paths)
#   bench_need BUILD_DIR FILE...  exit with a clear message unless each FILE exists below BUILD_DIR
#   now_ns, secs T0 T1, status_kib PID KEY, cpu_ticks PID, mib KIB

bench_row() { python3 bench/report.py row "$@"; }
bench_skip() { bench_row section="$1" benchmark="$2" skipped="$3"; }
bench_smoke() { [ "${BENCH_SMOKE:-0}" = 1 ]; }

bench_need() {
  local build="$1" f
  shift
  for f in "$@"; do
    [ -e "$build/$f" ] || {
      echo "$(basename "$0"): $build/$f not found; build it first (scripts/bench.sh builds what it needs)" >&2
      exit 1
    }
  done
}

now_ns() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
status_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
# utime + stime of a process, all threads, in clock ticks (fields 14 and 15 of /proc/PID/stat; the command name in
# field 2 may hold blanks, so count from after its closing parenthesis).
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
