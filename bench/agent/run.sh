#!/usr/bin/env bash
# Benchmarks of `hodei-worker serve` against `hodei-devserver` on loopback. Not a test: prints each figure beside a
# baseline measured in the same run, and their ratio.
#   - dispatch: JOBS `true` jobs through devserver + worker (2 slots), jobs/s, vs a 2-thread posix_spawn+waitpid
#     loop of `/bin/sh -c true` (the least any runner does per job);
#   - latency: submit -> result of one `true` job, p50/p99 over LATENCY_RUNS runs of `hodei-devserver submit
#     --follow`, vs `hodei-worker run` of the same job (no server);
#   - log throughput: a job writing LOG_MIB MiB to stdout, submit -> result, MB/s, vs the same producer into a plain
#     pipe; the worker's peak RSS during it (VmHWM), and its idle RSS.
#
#   bench/agent/run.sh [BUILD_DIR]      # default build/release (bin/hodei-worker, bin/hodei-devserver, plugins)
# JOBS (2000), LATENCY_RUNS (200), LOG_MIB (1024) and LOG_SYNC (fsync|os: the devserver's --log-sync, default fsync)
# tune it. SERVER_DATA (default: the temp folder) is where the devserver keeps its state: every job state change is
# an fsync'ed file replace there, which bounds dispatch and latency; /dev/shm shows what the worker itself costs.
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build/release}"
bin="$build/bin"
for b in hodei-worker hodei-devserver; do
  [ -x "$bin/$b" ] || { echo "run.sh: $bin/$b not found; build it first (scripts/build.sh release)" >&2; exit 1; }
done
jobs_n="${JOBS:-2000}"
runs="${LATENCY_RUNS:-200}"
log_mib="${LOG_MIB:-1024}"
log_sync="${LOG_SYNC:-fsync}"

work="$(mktemp -d /tmp/hodei-agent-bench.XXXXXX)"
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
}
trap cleanup EXIT

export HODEI_DEVSERVER_TOKEN=hodei-bench-token
printf '%s\n' "$HODEI_DEVSERVER_TOKEN" >"$work/token"
g++ -std=c++20 -O2 -pthread bench/agent/spawn_baseline.cpp -o "$work/spawn_baseline"

now_ns() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
status_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
dev() { "$bin/hodei-devserver" "$@" --server "$addr"; }

start_server() {
  "$bin/hodei-devserver" serve --listen 127.0.0.1:0 --data-dir "$server_data/server-$1" --log-sync "$log_sync" \
    --log-level warn >"$work/server-$1.out" 2>"$work/server-$1.log" &
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
  echo "run.sh: hodei-worker did not connect" >&2
  exit 1
}
count_state() { dev jobs | awk -v s="$1" '$2 == s { n++ } END { print n + 0 }'; }

cat >"$work/true.json" <<'EOF'
{ "name": "true", "executor": "shell", "steps": [{ "name": "true", "run": "true" }] }
EOF

# --- dispatch -------------------------------------------------------------------------------------------------------
echo "dispatch: submitting $jobs_n jobs..." >&2
start_server dispatch
seq 1 "$jobs_n" | xargs -P 4 -I{} "$bin/hodei-devserver" submit "$work/true.json" --server "$addr" >/dev/null
t0=$(now_ns)
start_worker dispatch 2
while [ "$(count_state succeeded)" -lt "$jobs_n" ]; do sleep 0.2; done
t1=$(now_ns)
dispatch_rate=$(awk -v n="$jobs_n" -v s="$(secs "$t0" "$t1")" 'BEGIN { printf "%.1f", n / s }')
baseline_rate=$("$work/spawn_baseline" "$jobs_n" 2)
stop "$worker_pid"; worker_pid=""
stop "$server_pid"; server_pid=""

# --- latency and idle RSS -------------------------------------------------------------------------------------------
echo "latency: $runs runs..." >&2
start_server latency
start_worker latency 1
sleep 1
idle_rss=$(status_kib "$worker_pid" VmRSS)
server_idle_rss=$(status_kib "$server_pid" VmRSS)
: >"$work/lat-serve"
: >"$work/lat-run"
for _ in $(seq 1 "$runs"); do
  t0=$(now_ns); dev submit "$work/true.json" --follow >/dev/null 2>&1; t1=$(now_ns)
  echo $(((t1 - t0) / 1000)) >>"$work/lat-serve"
  t0=$(now_ns)
  "$bin/hodei-worker" run "$work/true.json" --workspace-root "$work/ws" >/dev/null 2>&1
  t1=$(now_ns)
  echo $(((t1 - t0) / 1000)) >>"$work/lat-run"
done
pct() { sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END { i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; printf "%.1f", v[i] / 1000 }'; }
serve_p50=$(pct "$work/lat-serve" 50); serve_p99=$(pct "$work/lat-serve" 99)
run_p50=$(pct "$work/lat-run" 50); run_p99=$(pct "$work/lat-run" 99)
stop "$worker_pid"; worker_pid=""

# --- log throughput and peak RSS ------------------------------------------------------------------------------------
echo "log throughput: $log_mib MiB..." >&2
bytes=$((log_mib << 20))
producer="yes 'hodei log throughput benchmark: one line of text' | head -c $bytes"
cat >"$work/log.json" <<EOF
{ "name": "log", "executor": "shell", "steps": [{ "name": "log", "run": "$producer" }] }
EOF
start_worker log 1
t0=$(now_ns)
id=$(dev submit "$work/log.json")
while :; do
  state=$(dev show "$id" | awk -F'"' '/"state"/ { print $4; exit }')
  case "$state" in JOB_STATE_SUCCEEDED) break ;; JOB_STATE_FAILED|JOB_STATE_ERROR|JOB_STATE_LOST|JOB_STATE_CANCELLED) echo "log job: $state" >&2; exit 1 ;; esac
  sleep 0.1
done
t1=$(now_ns)
peak_rss=$(status_kib "$worker_pid" VmHWM)
stored=$(stat -c %s "$server_data/server-latency/jobs/$id/stdout.log")
[ "$stored" -eq "$bytes" ] || { echo "log job: stored $stored bytes, expected $bytes" >&2; exit 1; }
log_rate=$(awk -v b="$bytes" -v s="$(secs "$t0" "$t1")" 'BEGIN { printf "%.1f", b / s / 1e6 }')
t0=$(now_ns); sh -c "$producer" | cat >/dev/null; t1=$(now_ns)
pipe_rate=$(awk -v b="$bytes" -v s="$(secs "$t0" "$t1")" 'BEGIN { printf "%.1f", b / s / 1e6 }')

# --- report ---------------------------------------------------------------------------------------------------------
printf '\n%-44s %14s %14s %8s\n' "figure ($(nproc) CPUs, --log-sync $log_sync, server data on $(df --output=fstype "$server_data" | tail -1))" "hodei" "baseline" "ratio"
printf '%-44s %14s %14s %8s\n' "dispatch, $jobs_n true jobs, 2 slots (jobs/s)" "$dispatch_rate" "$baseline_rate" "$(ratio "$dispatch_rate" "$baseline_rate")"
printf '%-44s %14s %14s %8s\n' "submit->result p50 (ms) vs hodei-worker run" "$serve_p50" "$run_p50" "$(ratio "$serve_p50" "$run_p50")"
printf '%-44s %14s %14s %8s\n' "submit->result p99 (ms) vs hodei-worker run" "$serve_p99" "$run_p99" "$(ratio "$serve_p99" "$run_p99")"
printf '%-44s %14s %14s %8s\n' "log throughput, $log_mib MiB (MB/s) vs pipe" "$log_rate" "$pipe_rate" "$(ratio "$log_rate" "$pipe_rate")"
printf '%-44s %14s %14s %8s\n' "worker peak RSS during the log job (MiB)" "$(awk -v k="$peak_rss" 'BEGIN { printf "%.1f", k / 1024 }')" "-" "-"
printf '%-44s %14s %14s %8s\n' "worker idle RSS (MiB) vs devserver idle" "$(awk -v k="$idle_rss" 'BEGIN { printf "%.1f", k / 1024 }')" "$(awk -v k="$server_idle_rss" 'BEGIN { printf "%.1f", k / 1024 }')" "$(ratio "$idle_rss" "$server_idle_rss")"
