#!/usr/bin/env bash
# verify_unit.sh UNIT WORKER_BINARY: `systemd-analyze verify` accepts UNIT without a single diagnostic.
# The unit's ExecStart names /usr/bin/hodei-worker, which verify requires to exist: a copy naming WORKER_BINARY
# (the build tree's or an extracted package's) is checked instead. Exit 77 (skipped) without systemd-analyze.
set -euo pipefail
unit=$1 worker=$2
if ! command -v systemd-analyze >/dev/null; then
  echo "SKIP: systemd-analyze not installed (Debian package: systemd)"
  exit 77
fi
[ -x "$worker" ] || { echo "FAIL: $worker is not an executable"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s#/usr/bin/hodei-worker#${worker}#g" "$unit" > "$tmp/hodei-worker.service"
grep -q "^ExecStart=${worker} --config /etc/hodei/worker.json serve\$" "$tmp/hodei-worker.service" ||
  { echo "FAIL: unexpected ExecStart in $unit"; exit 1; }
# verify exits 0 on unknown keys or bad values (it only warns): any output is a failure. --man=no: no man pages here.
out=$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$tmp/hodei-worker.service" 2>&1) && rc=0 || rc=$?
if [ $rc -ne 0 ] || [ -n "$out" ]; then
  echo "FAIL: systemd-analyze verify $unit (exit $rc):"
  echo "$out"
  exit 1
fi
# The settings the packaging relies on.
for want in Type=notify WatchdogSec=30 User=hodei KillSignal=SIGTERM KillMode=mixed TimeoutStopSec=720 \
    Restart=on-failure ProtectSystem=strict ReadWritePaths=/var/lib/hodei \
    NoNewPrivileges=yes PrivateTmp=yes; do
  grep -qxF "$want" "$unit" || { echo "FAIL: $unit lacks '$want'"; exit 1; }
done
# SIGHUP reloads the config (the worker handles it; without a handler it would kill the worker).
grep -qxF 'ExecReload=/bin/kill -HUP $MAINPID' "$unit" ||
  { echo "FAIL: $unit lacks 'ExecReload=/bin/kill -HUP \$MAINPID' (systemctl reload sends SIGHUP)"; exit 1; }
echo "ok: systemd-analyze verify accepts $unit"
