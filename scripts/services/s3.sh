#!/usr/bin/env bash
# Starts and stops a real, throw-away S3 server for the test suite: Ceph radosgw on a
# single-node cluster (1 monitor + 1 memstore OSD + radosgw), all on 127.0.0.1, all state
# inside one folder. Needs the Debian packages from `scripts/install-deps.sh s3`; runs as
# root without systemd. See scripts/services/README.md ("## s3.sh").
#
#   scripts/services/s3.sh start  DIR   # start everything, write DIR/s3.env, print its path
#   scripts/services/s3.sh status DIR   # exit 0 if S3 answers on the port recorded in DIR
#   scripts/services/s3.sh stop   DIR   # stop what `start DIR` started; idempotent
#
# Optional: HODEI_TEST_S3_MEMSTORE_MB (default 4096) caps the in-RAM object store.
#
# Why a whole cluster: Ceph Pacific (16.2, Debian bookworm) has no standalone/dbstore
# radosgw, so radosgw needs a monitor and an OSD behind it. The OSD uses memstore (objects
# live in RAM, capped by `memstore device bytes`), so nothing touches a real disk device.
set -euo pipefail

readonly PROG="s3.sh"
readonly START_TIMEOUT_S=90            # whole `start`, from first daemon to S3 answering
readonly STOP_TIMEOUT_S=10             # per daemon, after SIGTERM, before SIGKILL
# Size of the in-RAM object store; RAM is only used for what is stored. 4 GiB: tests upload
# ~100 MB objects, a benchmark 1 GiB. Past 95 % full Ceph blocks writes (they hang, no error).
readonly MEMSTORE_MB="${HODEI_TEST_S3_MEMSTORE_MB:-4096}"
readonly REGION="us-east-1"            # radosgw accepts any SigV4 scope region; us-east-1
                                       # also makes clients send no LocationConstraint
readonly RGW_USER="hodei-test"
readonly MON_ID="a"
readonly OSD_ID="0"
readonly RGW_NAME="client.rgw.hodei"
# Daemons in the order they are started; `stop` goes through them backwards.
readonly DAEMONS=("mon.$MON_ID" "osd.$OSD_ID" "$RGW_NAME")

die() { echo "$PROG: error: $*" >&2; exit 1; }
log() { echo "$PROG: $*" >&2; }

usage() {
  cat >&2 <<EOF
usage: $PROG start DIR    start mon + memstore osd + radosgw with all state in DIR, write DIR/s3.env
       $PROG status DIR   exit 0 if the S3 endpoint of DIR answers
       $PROG stop DIR     stop the daemons started in DIR (idempotent)
EOF
  exit 2
}

# ---------------------------------------------------------------------------------------
# Paths. Everything a daemon writes (data, logs, pid files, admin sockets) is under DIR.
# ---------------------------------------------------------------------------------------
set_paths() {
  DIR="$1"
  CONF="$DIR/ceph.conf"
  PORTS_FILE="$DIR/ports"
  ENV_FILE="$DIR/s3.env"
}

pid_file_of() { echo "$DIR/run/$1.pid"; }   # must match `pid file` in ceph.conf
log_file_of() { echo "$DIR/log/$1.log"; }   # must match `log file` in ceph.conf

# ---------------------------------------------------------------------------------------
# Processes. A pid is only trusted if that process was started with our ceph.conf: a stale
# pid file must never make us signal an unrelated process that reused the pid.
# ---------------------------------------------------------------------------------------
pid_is_ours() {
  local pid="$1" cmdline
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  # Empty for a zombie, unreadable once reaped: both mean "gone".
  cmdline="$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" || return 1
  [[ " $cmdline" == *" -c $CONF "* ]]
}

# Prints the pid of a running daemon of ours, or nothing.
running_pid() {
  local pf pid
  pf="$(pid_file_of "$1")"
  [ -s "$pf" ] || return 0
  pid="$(tr -d '[:space:]' <"$pf")"
  if pid_is_ours "$pid"; then echo "$pid"; fi
}

stop_daemon() {
  local name="$1" pid waited=0
  pid="$(running_pid "$name")"
  if [ -z "$pid" ]; then
    rm -f "$(pid_file_of "$name")"
    return 0
  fi
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  while pid_is_ours "$pid"; do
    if [ "$waited" -ge $((STOP_TIMEOUT_S * 10)) ]; then
      log "$name (pid $pid) ignored SIGTERM for ${STOP_TIMEOUT_S}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      waited=0
      while pid_is_ours "$pid" && [ "$waited" -lt 100 ]; do sleep 0.1; waited=$((waited + 1)); done
      pid_is_ours "$pid" && die "$name (pid $pid) survived SIGKILL"
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  rm -f "$(pid_file_of "$name")"
}

stop_all() {
  local i
  for ((i = ${#DAEMONS[@]} - 1; i >= 0; i--)); do stop_daemon "${DAEMONS[$i]}"; done
}

# ---------------------------------------------------------------------------------------
# Ports. Random ports below the kernel's ephemeral range (32768+), so they cannot be taken
# by some outgoing connection, and not listened on by anyone (checked with bash /dev/tcp).
# Two runs on one machine therefore get different ports. The OSD needs no port of ours: it
# binds the first free one in Ceph's 6800-7300 range by itself.
# ---------------------------------------------------------------------------------------
port_is_free() {
  # A successful connect means someone listens there.
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_free_port() {
  local port _
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 10000))
    [ "$port" = "${1:-}" ] && continue   # never hand out the same port twice in one start
    if port_is_free "$port"; then echo "$port"; return 0; fi
  done
  die "found no free TCP port on 127.0.0.1 in 20000-29999 after 200 tries"
}

# ---------------------------------------------------------------------------------------
# S3 probe: any HTTP status line from the radosgw port means S3 answers. Plain bash, so no
# curl/aws is needed; bounded by `timeout`.
# ---------------------------------------------------------------------------------------
s3_answers() {
  local port="$1"
  # shellcheck disable=SC2016  # the inner script expands $1 itself
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET / HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n" "$1" >&3
    IFS= read -r line <&3 || exit 1
    [[ "$line" == HTTP/1.?" "[0-9][0-9][0-9]* ]]
  ' _ "$port" 2>/dev/null
}

read_rgw_port() {
  [ -r "$PORTS_FILE" ] || return 1
  # shellcheck disable=SC1090
  (source "$PORTS_FILE" && echo "${RGW_PORT:?}")
}

# ---------------------------------------------------------------------------------------
# Failure reporting.
# ---------------------------------------------------------------------------------------
show_log_tail() {
  local name="$1" lf
  lf="$(log_file_of "$name")"
  if [ -s "$lf" ]; then
    echo "----- last 30 lines of $lf -----" >&2
    tail -n 30 "$lf" >&2
    echo "----- end of $lf -----" >&2
  else
    echo "($name wrote no log at $lf)" >&2
  fi
}

# On any failure during `start`: show what went wrong and stop what was started, so that a
# failed start leaves no daemons behind.
STARTING=0
on_start_exit() {
  local rc=$?
  [ "$STARTING" = 1 ] || return 0
  [ "$rc" -ne 0 ] || return 0
  log "start failed (exit $rc); stopping whatever was started in $DIR"
  stop_all || true
  exit "$rc"
}

# Fails (with the daemon's log tail) if the daemon is not running any more.
require_alive() {
  local name="$1"
  if [ -z "$(running_pid "$name")" ]; then
    log "$name is not running"
    show_log_tail "$name"
    die "$name died during start; full logs in $DIR/log"
  fi
}

# Runs a command, retrying until it succeeds or the start deadline passes. Its output goes to
# DIR/log/setup.log; on timeout the tail of that and of the named daemon's log is shown.
retry_until_deadline() {
  local what="$1" daemon="$2"; shift 2
  while true; do
    if "$@" >>"$DIR/log/setup.log" 2>&1; then return 0; fi
    if [ "$SECONDS" -ge "$DEADLINE" ]; then
      log "timed out after ${START_TIMEOUT_S}s: $what"
      echo "----- last 20 lines of $DIR/log/setup.log -----" >&2
      tail -n 20 "$DIR/log/setup.log" >&2 || true
      show_log_tail "$daemon"
      die "timed out: $what"
    fi
    require_alive "$daemon"
    sleep 1
  done
}

# ---------------------------------------------------------------------------------------
# start
# ---------------------------------------------------------------------------------------
check_tools() {
  local t missing=()
  for t in ceph ceph-mon ceph-osd radosgw radosgw-admin monmaptool uuidgen od timeout setsid; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  [ ${#missing[@]} -eq 0 ] ||
    die "missing commands: ${missing[*]} (install them with: scripts/install-deps.sh s3)"
  [ "$(id -u)" -eq 0 ] || die "must run as root (ceph daemons are started without --setuser)"
  [[ "$MEMSTORE_MB" =~ ^[1-9][0-9]*$ ]] ||
    die "HODEI_TEST_S3_MEMSTORE_MB must be a positive number of MiB, got '$MEMSTORE_MB'"
}

write_ceph_conf() {
  local fsid="$1" mon_port="$2" rgw_port="$3"
  # Notes on the non-obvious settings:
  # - auth none everywhere, but `ms mon client mode = crc`: the default client mode
  #   "secure crc" needs a session key that auth none never makes, and radosgw then loops
  #   on auth error -13 forever.
  # - memstore + size 1 + chooseleaf type 0: one OSD on one host can hold every PG.
  # - small pg num: radosgw creates ~7 pools; keeps PG creation fast and under the
  #   per-OSD PG limit.
  # - `paxos propose interval = 0.1` (default 1 s): radosgw creates its pools one after the
  #   other and each waits for a monitor proposal; this cuts start from ~12 s to ~2 s.
  # - rgw gc after 30 s instead of 2 h: deleted/overwritten objects stay in the memstore
  #   (= RAM) until garbage collected, and the 4 GiB store would fill up in long runs.
  # - `client mount timeout = 30` (default 300): a client that cannot reach the monitor
  #   gives up within our time bound instead of hanging.
  # - every path points into DIR so two runs never share state and nothing is left in
  #   /var/lib/ceph, /var/run/ceph or /var/log/ceph.
  # - `keyring = /dev/null`: no keys are needed with auth none; do not read /etc/ceph.
  cat >"$CONF" <<EOF
# Generated by scripts/services/s3.sh; throw-away single-node cluster, all state in $DIR
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$mon_port]
mon initial members = $MON_ID
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false

auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
keyring = /dev/null

osd objectstore = memstore
memstore device bytes = $((MEMSTORE_MB << 20))
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
paxos propose interval = 0.1
client mount timeout = 30

run dir = $DIR/run
crash dir = $DIR/crash
pid file = $DIR/run/\$name.pid
admin socket = $DIR/run/\$name.asok
log file = $DIR/log/\$name.log
log to stderr = false
err to stderr = false
log to syslog = false
mon cluster log file = $DIR/log/cluster.log
mon data = $DIR/mon/\$cluster-\$id
osd data = $DIR/osd/\$cluster-\$id
rgw data = $DIR/rgw/\$cluster-\$id

[$RGW_NAME]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw gc obj min wait = 30
rgw gc processor period = 30
rgw gc processor max time = 30
EOF
}

# Starts a daemon in the foreground (-f: logs still go to its log file) as a background job
# of this script, in its own session so that a Ctrl-C or hang-up of the caller's terminal
# does not reach it. Not letting Ceph fork by itself matters: a forking radosgw only returns
# once it reached the monitor, i.e. after up to 300 s, which would break our time bound.
# stdin/stdout/stderr are detached so that `$(s3.sh start DIR)` does not wait for daemons.
launch_daemon() {
  local name="$1"; shift
  setsid "$@" -f </dev/null >>"$DIR/log/$name.stdout" 2>&1 &
  echo "$!" >"$(pid_file_of "$name")"
  sleep 0.2   # let an immediate failure (bad option, port taken) show up in require_alive
  require_alive "$name"
}

# Runs a one-shot setup command with a time bound, logging to DIR/log/setup.log.
run_setup() {
  local what="$1" daemon="$2" limit="$3"; shift 3
  if ! timeout "$limit" "$@" >>"$DIR/log/setup.log" 2>&1; then
    echo "----- last 20 lines of $DIR/log/setup.log -----" >&2
    tail -n 20 "$DIR/log/setup.log" >&2 || true
    show_log_tail "$daemon"
    die "$what failed (or took over ${limit}s); full logs in $DIR/log"
  fi
}

start_mon() {
  # The monmap holds the monitor's address; --mkfs writes the initial store from it.
  run_setup "monmaptool --create" "mon.$MON_ID" 10 \
    monmaptool --create --fsid "$FSID" --addv "$MON_ID" "[v2:127.0.0.1:$MON_PORT]" \
    --clobber "$DIR/monmap"
  mkdir -p "$DIR/mon/ceph-$MON_ID"
  run_setup "ceph-mon --mkfs" "mon.$MON_ID" 30 \
    ceph-mon -c "$CONF" -i "$MON_ID" --mkfs --monmap "$DIR/monmap"
  launch_daemon "mon.$MON_ID" ceph-mon -c "$CONF" -i "$MON_ID"
}

start_osd() {
  local uuid
  uuid="$(uuidgen)"
  # `osd new` registers the OSD (id 0 on a fresh cluster) with the monitor; it is also the
  # first command that proves the monitor answers, hence the retry.
  retry_until_deadline "monitor on 127.0.0.1:$MON_PORT to answer 'ceph osd new'" "mon.$MON_ID" \
    timeout 15 ceph -c "$CONF" --connect-timeout 10 osd new "$uuid" "$OSD_ID"
  mkdir -p "$DIR/osd/ceph-$OSD_ID"
  run_setup "ceph-osd --mkfs" "osd.$OSD_ID" 30 \
    ceph-osd -c "$CONF" -i "$OSD_ID" --mkfs --osd-uuid "$uuid"
  launch_daemon "osd.$OSD_ID" ceph-osd -c "$CONF" -i "$OSD_ID"
}

start_rgw() {
  mkdir -p "$DIR/rgw/ceph-${RGW_NAME#client.}"
  # radosgw creates its pools itself and waits for the OSD, so no need to wait for it here.
  launch_daemon "$RGW_NAME" radosgw -c "$CONF" -n "$RGW_NAME"
}

wait_for_s3() {
  while ! s3_answers "$RGW_PORT"; do
    require_alive "mon.$MON_ID"
    require_alive "osd.$OSD_ID"
    require_alive "$RGW_NAME"
    if [ "$SECONDS" -ge "$DEADLINE" ]; then
      log "S3 on 127.0.0.1:$RGW_PORT did not answer within ${START_TIMEOUT_S}s"
      show_log_tail "$RGW_NAME"
      show_log_tail "osd.$OSD_ID"
      die "timed out waiting for radosgw; full logs in $DIR/log"
    fi
    sleep 0.5
  done
}

# Generated credentials, hex so no shell/URL quoting is ever needed.
random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

create_s3_user() {
  ACCESS_KEY="HODEI$(random_hex 8 | tr 'a-f' 'A-F')"   # 21 chars, AWS-like
  SECRET_KEY="$(random_hex 20)"                           # 40 chars
  retry_until_deadline "radosgw-admin user create" "$RGW_NAME" \
    timeout 20 radosgw-admin -c "$CONF" user create --uid "$RGW_USER" --display-name "Hodei test user" \
    --access-key "$ACCESS_KEY" --secret-key "$SECRET_KEY"
}

write_env_file() {
  local endpoint="http://127.0.0.1:$RGW_PORT"
  cat >"$ENV_FILE.tmp" <<EOF
# Written by scripts/services/s3.sh start $DIR; source it: . $ENV_FILE
export HODEI_TEST_S3_ENDPOINT=$endpoint
export HODEI_TEST_S3_ACCESS_KEY=$ACCESS_KEY
export HODEI_TEST_S3_SECRET_KEY=$SECRET_KEY
export HODEI_TEST_S3_REGION=$REGION
# Standard AWS SDK/CLI variables. awscli 2.9 (Debian bookworm) ignores AWS_ENDPOINT_URL:
# pass --endpoint-url "\$HODEI_TEST_S3_ENDPOINT" to aws; newer SDKs/CLIs honour it.
export AWS_ACCESS_KEY_ID=$ACCESS_KEY
export AWS_SECRET_ACCESS_KEY=$SECRET_KEY
export AWS_DEFAULT_REGION=$REGION
export AWS_REGION=$REGION
export AWS_ENDPOINT_URL=$endpoint
EOF
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

cmd_start() {
  check_tools
  mkdir -p "$DIR"
  DIR="$(cd "$DIR" && pwd -P)"   # absolute: ceph.conf paths and pid checks rely on it
  set_paths "$DIR"

  local name
  for name in "${DAEMONS[@]}"; do
    [ -z "$(running_pid "$name")" ] ||
      die "$name is already running from $DIR; run '$PROG stop $DIR' first"
  done

  # A previous (stopped) run may have left state here: start from scratch, but only remove
  # what this script creates.
  rm -rf "$DIR/mon" "$DIR/osd" "$DIR/rgw" "$DIR/run" "$DIR/log" "$DIR/crash" \
    "$CONF" "$DIR/monmap" "$PORTS_FILE" "$ENV_FILE" "$ENV_FILE.tmp"
  mkdir -p "$DIR/run" "$DIR/log" "$DIR/crash"

  DEADLINE=$((SECONDS + START_TIMEOUT_S))
  STARTING=1
  trap on_start_exit EXIT
  trap 'exit 130' INT TERM HUP   # route signals through the EXIT trap's cleanup

  FSID="$(uuidgen)"
  MON_PORT="$(pick_free_port)"
  RGW_PORT="$(pick_free_port "$MON_PORT")"
  printf 'MON_PORT=%s\nRGW_PORT=%s\n' "$MON_PORT" "$RGW_PORT" >"$PORTS_FILE"
  write_ceph_conf "$FSID" "$MON_PORT" "$RGW_PORT"

  log "starting ceph-mon on 127.0.0.1:$MON_PORT (fsid $FSID, state in $DIR)"
  start_mon
  log "starting memstore ceph-osd"
  start_osd
  log "starting radosgw on 127.0.0.1:$RGW_PORT"
  start_rgw
  wait_for_s3
  create_s3_user
  write_env_file

  STARTING=0
  log "S3 ready at http://127.0.0.1:$RGW_PORT after ${SECONDS}s"
  echo "$ENV_FILE"
}

# ---------------------------------------------------------------------------------------
# status / stop
# ---------------------------------------------------------------------------------------
cmd_status() {
  local port
  [ -d "$DIR" ] || die "$DIR does not exist"
  DIR="$(cd "$DIR" && pwd -P)"
  set_paths "$DIR"
  port="$(read_rgw_port)" || die "no S3 server was started in $DIR (no $PORTS_FILE)"
  if s3_answers "$port"; then
    echo "$PROG: S3 answers at http://127.0.0.1:$port"
  else
    echo "$PROG: S3 at http://127.0.0.1:$port does not answer" >&2
    exit 1
  fi
}

cmd_stop() {
  if [ ! -d "$DIR" ]; then
    log "$DIR does not exist; nothing to stop"
    return 0
  fi
  DIR="$(cd "$DIR" && pwd -P)"
  set_paths "$DIR"
  stop_all
  log "stopped (state left in $DIR)"
}

main() {
  [ $# -eq 2 ] || usage
  local cmd="$1"
  [ -n "$2" ] || usage
  set_paths "$2"
  case "$cmd" in
    start) cmd_start ;;
    status) cmd_status ;;
    stop) cmd_stop ;;
    *) usage ;;
  esac
}

main "$@"
