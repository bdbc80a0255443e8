#!/usr/bin/env bash
# The README's first command: builds Hodei Worker if needed, starts a local control plane (`hodei-devserver serve`)
# and a worker (`hodei-worker serve`) on loopback with a throwaway token and temp data folders, submits a job
# (default examples/hello.json) and follows it live — its output and its result —, then stops both.
# Exits with the job's exit code as `hodei-devserver submit --follow` reports it (0 succeeded, 1 failed, 3 lost or
# error, 4 server unreachable, 124 timed out, 130 cancelled).
#   scripts/quickstart.sh [JOB.json]
# Without a server: build/release/bin/hodei-worker run examples/hello.json
set -euo pipefail
cd "$(dirname "$0")/.."
# Only what the demo runs (the worker, the devserver and the bundled plugins), not the test suite.
scripts/build.sh release --target hodei-worker hodei-devserver hodei_executor_shell hodei_executor_docker \
  hodei_artifact_fs hodei_artifact_s3
bin="$PWD/build/release/bin"
job="${1:-examples/hello.json}"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/hodei-quickstart.XXXXXX")"
server_pid=""
worker_pid=""
# shellcheck disable=SC2317 # (stop and cleanup run from the EXIT trap)
stop() { # stop PID: SIGTERM, then wait (bounded), then SIGKILL
  local pid="$1"
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
# shellcheck disable=SC2317
cleanup() {
  stop "$worker_pid" # first: it drains and deregisters while the server still runs
  stop "$server_pid"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A fresh token for this run, passed through the environment and a 0600 file (never on a command line).
HODEI_DEVSERVER_TOKEN="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export HODEI_DEVSERVER_TOKEN
(umask 077 && printf '%s\n' "$HODEI_DEVSERVER_TOKEN" >"$tmp/token")

"$bin/hodei-devserver" serve --listen 127.0.0.1:0 --data-dir "$tmp/server" --log-level warn \
  >"$tmp/server.out" 2>"$tmp/server.log" &
server_pid=$!
addr=""
for _ in $(seq 1 200); do
  addr="$(awk '/^listening /{print $2; exit}' "$tmp/server.out")"
  [ -n "$addr" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    cat "$tmp/server.log" >&2
    exit 3
  fi
  sleep 0.05
done
[ -n "$addr" ] || { echo "quickstart: hodei-devserver did not start" >&2; exit 3; }

"$bin/hodei-worker" --log-level warn serve --server "$addr" --plaintext --token-file "$tmp/token" \
  --data-dir "$tmp/worker" --name quickstart >"$tmp/worker.log" 2>&1 &
worker_pid=$!
echo "==> hodei-devserver on $addr, hodei-worker 'quickstart' serving it; submitting $job" >&2

set +e
"$bin/hodei-devserver" submit "$job" --follow --server "$addr"
code=$?
set -e
if [ "$code" -eq 3 ] || [ "$code" -eq 4 ]; then
  echo "--- worker log" >&2
  cat "$tmp/worker.log" >&2
fi
exit "$code"
