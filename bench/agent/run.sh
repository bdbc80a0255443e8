#!/usr/bin/env bash
# Benchmarks of `hodei-worker serve` against `hodei-devserver` on loopback. Not a test: writes one result row per
# figure (bench/report.py; to $BENCH_ROWS, or stdout), each beside a baseline measured in the same run.
#   - dispatch: JOBS `true` jobs through devserver + worker (2 slots), jobs/s, vs a 2-thread posix_spawn+waitpid
#     loop of `/bin/sh -c true` (the least any runner does per job);
#   - latency: submit -> result of one `true` job, p50/p99 over LATENCY_RUNS runs from one warm gRPC client
#     (hodei-bench-submit-latency), vs one posix_spawn+waitpid of `sh -c true` (the job's own work); and the same
#     through `hodei-devserver submit --follow` processes vs `hodei-worker run` of the same job (no server);
#   - idle: the connected worker's RSS, CPU and wakeups over IDLE_SECONDS, beside the devserver's;
#   - log throughput: a job writing LOG_MIB MiB to stdout, submit -> result, MB/s, vs the same producer into a plain
#     pipe; the worker's peak RSS during it (VmHWM).
#
#   bench/agent/run.sh [BUILD_DIR]      # default build/release (bin/hodei-worker, bin/hodei-devserver, plugins)
# JOBS (2000, as issue #3 states), LATENCY_RUNS (200), LOG_MIB (1024), IDLE_SECONDS (10) and LOG_SYNC (fsync|os: the devserver's
# --log-sync, default fsync) tune it; BENCH_SMOKE=1 makes them tiny. SERVER_DATA (default: the temp folder) is where
# the devserver keeps its state: every job state change is an fsync'ed file replace there, which bounds dispatch and
# latency on a busy disk. So dispatch and latency are measured a second time with the devserver's data on /dev/shm
# and --log-sync os, which shows what the worker itself costs (TMPFS_COMPARE=0, or setting SERVER_DATA, skips that).
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
build="${1:-build/release}"
bin="$build/bin"
bench_need "$build" bin/hodei-worker bin/hodei-devserver bin/hodei-bench-spawn-baseline bin/hodei-bench-submit-latency \
  lib/hodei/plugins/libhodei-executor-shell.so
if bench_smoke; then small=1; else small=0; fi
jobs_n="${JOBS:-$([ $small = 1 ] && echo 20 || echo 2000)}"
runs="${LATENCY_RUNS:-$([ $small = 1 ] && echo 5 || echo 200)}"
log_mib="${LOG_MIB:-$([ $small = 1 ] && echo 4 || echo 1024)}"
idle_s="${IDLE_SECONDS:-$([ $small = 1 ] && echo 1 || echo 10)}"
log_sync="${LOG_SYNC:-fsync}"

work="$(mktemp -d "${TMPDIR:-/tmp}/hodei-agent-bench.XXXXXX")"
server_data="$(mktemp -d "${SERVER_DATA:-$work}/hodei-agent-bench-server.XXXXXX")"
server_pid=""
worker_pid=""
# shellcheck disable=SC2317 # (called from the EXIT trap)
stop() {
  [ -n "$1" ] || return 0
  kill -TERM "$1" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
# shellcheck disable=SC2317
cleanup() {
  stop "$worker_pid"
  stop "$server_pid"
  rm -rf "$server_data" "$work"
  [ -z "${server_shm:-}" ] || rm -rf "$server_shm"
}
trap cleanup EXIT

export HODEI_DEVSERVER_TOKEN=hodei-bench-token
printf '%s\n' "$HODEI_DEVSERVER_TOKEN" >"$work/token"
dev() { "$bin/hodei-devserver" "$@" --server "$addr"; }

start_server() { # name [data-root [log-sync]]
  "$bin/hodei-devserver" serve --listen 127.0.0.1:0 --data-dir "${2:-$server_data}/server-$1" \
    --log-sync "${3:-$log_sync}" --log-level warn >"$work/server-$1.out" 2>"$work/server-$1.log" &
  server_pid=$!
  addr=""
  for _ in $(seq 1 200); do
    addr="$(awk '/^listening /{print $2; exit}' "$work/server-$1.out")"
    [ -n "$addr" ] && return 0
    sleep 0.05
  done
  echo "run.sh: hodei-devserver did not start" >&2
  exit 1
}
start_worker() { # name slots
  "$bin/hodei-worker" --log-level warn serve --server "$addr" --plaintext --token-file "$work/token" \
    --data-dir "$work/worker-$1" --max-jobs "$2" --name "bench-$1" >"$work/worker-$1.log" 2>&1 &
  worker_pid=$!
  for _ in $(seq 1 200); do
    dev workers 2>/dev/null | awk -v n="bench-$1" '$2 == n && $4 == "yes" { found = 1 } END { exit !found }' && return 0
    sleep 0.05
  done
  echo "run.sh: hodei-worker did not connect; its log:" >&2
  cat "$work/worker-$1.log" >&2
  exit 1
}
count_state() { dev jobs | awk -v s="$1" '$2 == s { n++ } END { print n + 0 }'; }

cat >"$work/true.json" <<'EOF'
{ "name": "true", "executor": "shell", "steps": [{ "name": "true", "run": "true" }] }
EOF

hz=$(getconf CLK_TCK)
ms_per() { awk -v t="$1" -v n="$2" -v hz="$hz" 'BEGIN { printf "%.2f", t / hz * 1000 / n }'; } # ticks count

# --- dispatch -------------------------------------------------------------------------------------------------------
measure_dispatch() { # name [data-root [log-sync]] -> dispatch_rate
  echo "dispatch ($1): submitting $jobs_n jobs..." >&2
  start_server "$@"
  seq 1 "$jobs_n" | xargs -P 4 -I{} "$bin/hodei-devserver" submit "$work/true.json" --server "$addr" >/dev/null
  local t0 t1 s_ticks0
  s_ticks0=$(cpu_ticks "$server_pid")
  t0=$(now_ns)
  start_worker "$1" 2
  # The queue is served in submission order: follow the last job to its end (one stream, no polling that would
  # compete for the CPU), then at most the other slot's job is still running.
  dev logs "job-$jobs_n" --follow >/dev/null 2>&1 || true
  while [ "$(count_state succeeded)" -lt "$jobs_n" ]; do sleep 0.02; done
  t1=$(now_ns)
  dispatch_rate=$(awk -v n="$jobs_n" -v s="$(secs "$t0" "$t1")" 'BEGIN { printf "%.1f", n / s }')
  # Where the time goes: each process's own CPU per job (not the job's shells; the devserver's includes the polling
  # `jobs` calls of this loop).
  dispatch_cpu="CPU per job: worker $(ms_per "$(cpu_ticks "$worker_pid")" "$jobs_n") ms, devserver $(
    ms_per $(($(cpu_ticks "$server_pid") - s_ticks0)) "$jobs_n") ms"
  stop "$worker_pid"; worker_pid=""
  stop "$server_pid"; server_pid=""
}
measure_dispatch dispatch
durable_dispatch_rate=$dispatch_rate
durable_dispatch_cpu=$dispatch_cpu
baseline_rate=$("$bin/hodei-bench-spawn-baseline" "$jobs_n" 2)

# --- idle: RSS, CPU and wakeups of the connected worker, beside the devserver -------------------------------------
echo "idle: ${idle_s} s..." >&2
start_server latency
start_worker latency 1
sleep 1
# Voluntary + involuntary context switches of every thread: a busy or polling loop shows here before it shows in
# the CPU time.
switches() { cat /proc/"$1"/task/*/status | awk '/ctxt_switches:/ { n += $2 } END { print n + 0 }'; }
w_ticks0=$(cpu_ticks "$worker_pid"); s_ticks0=$(cpu_ticks "$server_pid")
w_sw0=$(switches "$worker_pid"); s_sw0=$(switches "$server_pid")
sleep "$idle_s"
w_ticks1=$(cpu_ticks "$worker_pid"); s_ticks1=$(cpu_ticks "$server_pid")
w_sw1=$(switches "$worker_pid"); s_sw1=$(switches "$server_pid")
idle_rss=$(status_kib "$worker_pid" VmRSS)
server_idle_rss=$(status_kib "$server_pid" VmRSS)
# RSS counts shared library pages whole; the private part (USS) is what this process alone adds to the machine.
uss_kib() { awk '/^Private_(Clean|Dirty):/ { n += $2 } END { print n + 0 }' "/proc/$1/smaps_rollup"; }
idle_uss=$(uss_kib "$worker_pid")
idle_anon=$(status_kib "$worker_pid" RssAnon)
server_idle_anon=$(status_kib "$server_pid" RssAnon)
# Where the file-backed part of the RSS comes from: the five largest mappings (MiB).
top_mappings() {
  awk '/^[0-9a-f]+-/ { name = $6 } /^Rss:/ { if (name != "") rss[name] += $2 } END { for (n in rss) print rss[n], n }' \
    "/proc/$1/smaps" | sort -rn |
    # awk reads to the end (no `head`): an early exit would SIGPIPE sort, and pipefail would end the script.
    awk 'NR <= 5 { sub(".*/", "", $2); printf "%s%s %.1f", (NR > 1 ? ", " : ""), $2, $1 / 1024 }'
}
idle_top=$(top_mappings "$worker_pid")
server_idle_uss=$(uss_kib "$server_pid")
pct_core() { awk -v t="$1" -v hz="$hz" -v s="$idle_s" 'BEGIN { printf "%.2f", t / hz / s * 100 }'; }
per_s() { awk -v n="$1" -v s="$idle_s" 'BEGIN { printf "%.1f", n / s }'; }

# --- latency --------------------------------------------------------------------------------------------------------
pct() { sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END { i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; printf "%.2f", v[i] / 1000 }'; }
measure_latency() { # name (server and worker running) -> serve_p50/p99, run_p50/p99, cli_p50, inproc_p50/p99
  echo "latency ($1): $runs runs..." >&2
  : >"$work/lat-serve"; : >"$work/lat-run"; : >"$work/lat-cli"
  local t0 t1
  for _ in $(seq 1 "$runs"); do
    t0=$(now_ns); dev submit "$work/true.json" --follow >/dev/null 2>&1; t1=$(now_ns)
    echo $(((t1 - t0) / 1000)) >>"$work/lat-serve"
    t0=$(now_ns)
    "$bin/hodei-worker" run "$work/true.json" --workspace-root "$work/ws" >/dev/null 2>&1
    t1=$(now_ns)
    echo $(((t1 - t0) / 1000)) >>"$work/lat-run"
    # The floor of the figure: the CLI's process start, channel and one unary call (no job).
    t0=$(now_ns); dev workers >/dev/null 2>&1; t1=$(now_ns)
    echo $(((t1 - t0) / 1000)) >>"$work/lat-cli"
  done
  serve_p50=$(pct "$work/lat-serve" 50); serve_p99=$(pct "$work/lat-serve" 99)
  run_p50=$(pct "$work/lat-run" 50); run_p99=$(pct "$work/lat-run" 99)
  cli_p50=$(pct "$work/lat-cli" 50)
  # The same submit + follow from one warm client: no process start, no connection set-up.
  "$bin/hodei-bench-submit-latency" "$addr" "$work/true.json" "$runs" >"$work/lat-inproc"
  inproc_p50=$(pct "$work/lat-inproc" 50); inproc_p99=$(pct "$work/lat-inproc" 99)
}
measure_latency durable
stop "$worker_pid"; worker_pid=""

# --- log throughput and peak RSS ------------------------------------------------------------------------------------
echo "log throughput: $log_mib MiB..." >&2
bytes=$((log_mib << 20))
producer="yes 'hodei log throughput benchmark: one line of text' | head -c $bytes"
cat >"$work/log.json" <<EOF
{ "name": "log", "executor": "shell", "steps": [{ "name": "log", "run": "$producer" }] }
EOF
start_worker log 1
log_w_ticks0=$(cpu_ticks "$worker_pid"); log_s_ticks0=$(cpu_ticks "$server_pid")
t0=$(now_ns)
id=$(dev submit "$work/log.json")
while :; do
  state=$(dev show "$id" | awk -F'"' '/"state"/ { print $4; exit }')
  case "$state" in JOB_STATE_SUCCEEDED) break ;; JOB_STATE_FAILED|JOB_STATE_ERROR|JOB_STATE_LOST|JOB_STATE_CANCELLED) echo "log job: $state" >&2; exit 1 ;; esac
  sleep 0.1
done
t1=$(now_ns)
peak_rss=$(status_kib "$worker_pid" VmHWM)
log_cpu="CPU: worker $(ms_per $(($(cpu_ticks "$worker_pid") - log_w_ticks0)) 1000) s, devserver $(
  ms_per $(($(cpu_ticks "$server_pid") - log_s_ticks0)) 1000) s"
stored=$(stat -c %s "$server_data/server-latency/jobs/$id/stdout.log")
[ "$stored" -eq "$bytes" ] || { echo "log job: stored $stored bytes, expected $bytes" >&2; exit 1; }
log_rate=$(awk -v b="$bytes" -v s="$(secs "$t0" "$t1")" 'BEGIN { printf "%.1f", b / s / 1e6 }')
t0=$(now_ns); sh -c "$producer" | cat >/dev/null; t1=$(now_ns)
pipe_rate=$(awk -v b="$bytes" -v s="$(secs "$t0" "$t1")" 'BEGIN { printf "%.1f", b / s / 1e6 }')

# --- the same without the devserver's durability cost -----------------------------------------------------------------
# Every job state change is an fsync'ed file replace in the devserver (the reference control plane, not the worker):
# on a busy disk that bounds dispatch and latency. The same measurements with its data on tmpfs and --log-sync os
# show what the worker and the protocol cost. TMPFS_COMPARE=0 skips them (also when SERVER_DATA is set).
tmpfs_compare="${TMPFS_COMPARE:-$([ -z "${SERVER_DATA:-}" ] && [ -d /dev/shm ] && echo 1 || echo 0)}"
if [ "$tmpfs_compare" = 1 ]; then
  server_shm="$(mktemp -d /dev/shm/hodei-agent-bench.XXXXXX)"
  stop "$worker_pid"; worker_pid=""
  stop "$server_pid"; server_pid=""
  measure_dispatch disp-shm "$server_shm" os
  tmpfs_dispatch_rate=$dispatch_rate
  tmpfs_dispatch_cpu=$dispatch_cpu
  start_server lat-shm "$server_shm" os
  start_worker lat-shm 1
  durable=("$serve_p50" "$serve_p99" "$run_p50" "$run_p99" "$cli_p50" "$inproc_p50" "$inproc_p99")
  measure_latency tmpfs
  tmpfs_lat=("$serve_p50" "$serve_p99" "$run_p50" "$run_p99" "$cli_p50" "$inproc_p50" "$inproc_p99")
  serve_p50=${durable[0]}; serve_p99=${durable[1]}; run_p50=${durable[2]}; run_p99=${durable[3]}; cli_p50=${durable[4]}
  inproc_p50=${durable[5]}; inproc_p99=${durable[6]}
fi

# --- rows -----------------------------------------------------------------------------------------------------------
fs="$(df --output=fstype "$server_data" | tail -1 | tr -d ' ')"
where="--log-sync $log_sync, devserver data on $fs"
spawn="posix_spawn+waitpid of sh -c true, 2 threads"
dispatch_note="submit all, then start the worker; until all succeeded"
bench_row section=agent benchmark="dispatch, $jobs_n true jobs, 2 slots" figure="$durable_dispatch_rate" \
  unit=jobs/s better=higher baseline="$spawn" baseline_figure="$baseline_rate" target="ratio >= 0.5" \
  note="$dispatch_note; $durable_dispatch_cpu; $where"
spawn1_ms=$(awk -v r="$("$bin/hodei-bench-spawn-baseline" "$runs" 1)" 'BEGIN { printf "%.2f", 1000 / r }')
latency_rows() { # label where p50 p99 run_p50 run_p99 cli_p50 inproc_p50 inproc_p99
  bench_row section=agent benchmark="submit->result p50, $runs runs$1" figure="$8" unit=ms better=lower \
    baseline="posix_spawn+waitpid of sh -c true" baseline_figure="$spawn1_ms" target="figure <= 5" \
    note="one warm gRPC client: SubmitJob + StreamLogs(follow) to the final state; $2"
  bench_row section=agent benchmark="submit->result p99, $runs runs$1" figure="$9" unit=ms better=lower \
    baseline="posix_spawn+waitpid of sh -c true" baseline_figure="$spawn1_ms" note="one warm gRPC client; $2"
  bench_row section=agent benchmark="submit --follow CLI p50, $runs runs$1" figure="$3" unit=ms better=lower \
    baseline="hodei-worker run, same job" baseline_figure="$5" \
    note="hodei-devserver submit --follow, process start to exit (the CLI alone, one unary call: p50 $7 ms); $2"
  bench_row section=agent benchmark="submit --follow CLI p99, $runs runs$1" figure="$4" unit=ms better=lower \
    baseline="hodei-worker run, same job" baseline_figure="$6" note="$2"
}
latency_rows "" "$where" "$serve_p50" "$serve_p99" "$run_p50" "$run_p99" "$cli_p50" "$inproc_p50" "$inproc_p99"
if [ "$tmpfs_compare" = 1 ]; then
  tmpfs_where="--log-sync os, devserver data on tmpfs"
  bench_row section=agent benchmark="dispatch, $jobs_n true jobs, 2 slots, devserver on tmpfs" \
    figure="$tmpfs_dispatch_rate" unit=jobs/s better=higher baseline="$spawn" baseline_figure="$baseline_rate" \
    target="ratio >= 0.5" note="$dispatch_note; $tmpfs_dispatch_cpu; $tmpfs_where"
  latency_rows ", devserver on tmpfs" "$tmpfs_where" "${tmpfs_lat[@]}"
fi
bench_row section=agent benchmark="log throughput, $log_mib MiB stdout" figure="$log_rate" unit=MB/s better=higher \
  baseline="same producer into a plain pipe" baseline_figure="$pipe_rate" target="ratio >= 0.5" \
  note="submit -> succeeded, all bytes stored; $log_cpu; $where"
bench_row section=agent benchmark="worker peak RSS during the $log_mib MiB log" figure="$(mib "$peak_rss")" unit=MiB \
  better=lower baseline="worker idle RSS" baseline_figure="$(mib "$idle_rss")" target="figure <= 64" note="VmHWM"
bench_row section=agent benchmark="worker idle RSS" figure="$(mib "$idle_rss")" unit=MiB better=lower \
  baseline="devserver idle RSS" baseline_figure="$(mib "$server_idle_rss")" target="figure <= 10" \
  note="connected, no job"
bench_row section=agent benchmark="worker idle private memory (USS)" figure="$(mib "$idle_uss")" unit=MiB \
  better=lower baseline="devserver idle USS" baseline_figure="$(mib "$server_idle_uss")" \
  note="Private_Clean + Private_Dirty of /proc/PID/smaps_rollup: RSS without the pages another process shares (the worker's own binary and plugins count here)"
bench_row section=agent benchmark="worker idle anonymous memory (heap, stacks)" figure="$(mib "$idle_anon")" unit=MiB \
  better=lower baseline="devserver idle anonymous memory" baseline_figure="$(mib "$server_idle_anon")" \
  note="RssAnon; the rest of the RSS is file-backed code and data of shared libraries, largest: $idle_top"
bench_row section=agent benchmark="worker idle CPU, ${idle_s} s" figure="$(pct_core $((w_ticks1 - w_ticks0)))" \
  unit="% of a core" better=lower baseline="devserver idle CPU" \
  baseline_figure="$(pct_core $((s_ticks1 - s_ticks0)))" target="figure <= 1" note="utime+stime from /proc/PID/stat"
bench_row section=agent benchmark="worker idle wakeups, ${idle_s} s" figure="$(per_s $((w_sw1 - w_sw0)))" \
  unit="switches/s" better=lower baseline="devserver idle wakeups" baseline_figure="$(per_s $((s_sw1 - s_sw0)))" \
  note="context switches of all threads"
