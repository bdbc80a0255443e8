#!/usr/bin/env bash
# Starts and stops a real, private Docker engine for the test suite: dockerd plus its own
# containerd, with every socket, pid file, log, mount and byte of data under one folder,
# and imports a tiny test image built from the host's static busybox (no registry needed).
# Needs the Debian packages from `scripts/install-deps.sh docker`; runs as root without
# systemd, next to (and independent of) a system dockerd/containerd if there is one.
# See scripts/services/README.md ("## docker.sh").
#
#   scripts/services/docker.sh start  DIR   # start, import the image, write DIR/docker.env;
#                                           # the last line of stdout is that file's path
#   scripts/services/docker.sh status DIR   # exit 0 if the daemon of DIR answers
#   scripts/services/docker.sh stop   DIR   # stop what `start DIR` started; idempotent
set -euo pipefail

readonly PROG="docker.sh"
readonly IMAGE_REPO="hodei-test/busybox"
readonly IMAGE_TAG="latest"
readonly IMAGE="$IMAGE_REPO:$IMAGE_TAG"
readonly BUSYBOX="/bin/busybox"                   # from busybox-static: runs in an empty rootfs
readonly PING_TIMEOUT_S="${HODEI_DOCKER_START_TIMEOUT:-60}"  # dockerd answering /_ping
readonly CONTAINERD_TIMEOUT_S=20                  # containerd creating its socket
readonly CLI_TIMEOUT_S=30                         # any single docker CLI call
readonly DOCKERD_STOP_TIMEOUT_S=20                # after SIGTERM, before SIGKILL
readonly CONTAINERD_STOP_TIMEOUT_S=10
# A unix socket path must fit in sun_path (108 bytes incl. NUL). The longest socket the
# daemons create below the runtime dir is exec/containerd/containerd.sock.ttrpc (+38 chars),
# so longer DIRs get their sockets and exec-root in a short mktemp dir under /tmp instead.
readonly MAX_DIR_LEN_FOR_SOCKETS=64
# The daemons get a fixed, minimal environment: runc, containerd-shim-runc-v2, docker-init
# (tini) and friends are then always the Debian ones, never something from /usr/local or
# the caller's PATH, and proxy/DOCKER_* variables of the caller cannot leak in.
readonly DAEMON_PATH="/usr/sbin:/usr/bin:/sbin:/bin"
# Executables whose processes can belong to our engine (used by the leftover scan in stop).
readonly ENGINE_EXES="dockerd containerd containerd-shim containerd-shim-runc-v1 containerd-shim-runc-v2 runc docker-proxy"

die() { echo "$PROG: error: $*" >&2; exit 1; }
log() { echo "$PROG: $*"; }
warn() { echo "$PROG: warning: $*" >&2; }

usage() {
  cat >&2 <<EOF
usage: $PROG start DIR    start a private dockerd (+ containerd) in DIR, import $IMAGE,
                          write DIR/docker.env and print its path (last line of stdout)
       $PROG status DIR   exit 0 if the dockerd of DIR answers
       $PROG stop DIR     remove all containers, stop the daemons, unmount leftovers (idempotent)
EOF
  exit 2
}

# ---------------------------------------------------------------------------------------
# Paths. DIR holds data, logs, pid files and state; RUN_DIR holds the sockets and the
# dockerd exec-root (netns bind mounts, runc state). RUN_DIR is DIR itself unless DIR is
# too long for socket paths, in which case it is a mktemp dir recorded in DIR/state.
# ---------------------------------------------------------------------------------------
set_dir() {
  local dir="$1"
  # Only "boring" characters: the paths go into a TOML file, overlay mount options (where
  # ':' and ',' are separators) and /proc/mounts (which escapes blanks).
  [[ "$dir" =~ ^[A-Za-z0-9._/+@-]+$ ]] \
    || die "DIR '$dir' may only contain letters, digits and . _ - + @ /"
  if [ "$2" = create ]; then
    mkdir -p "$dir" || die "cannot create $dir"
  fi
  if [ -d "$dir" ]; then
    DIR="$(cd "$dir" && pwd -P)"   # absolute and symlink-free, as /proc/mounts shows it
  else
    DIR="$(realpath -m "$dir")"
  fi
  [ "$DIR" != / ] || die "DIR must not be /"
  STATE_FILE="$DIR/state"
  ENV_FILE="$DIR/docker.env"
  DATA_ROOT="$DIR/root"
  DOCKERD_PIDFILE="$DIR/dockerd.pid"
  DOCKERD_LOG="$DIR/dockerd.log"
  DOCKERD_CONFIG="$DIR/daemon.json"
  CONTAINERD_PIDFILE="$DIR/containerd.pid"
  CONTAINERD_LOG="$DIR/containerd.log"
  CONTAINERD_CONFIG="$DIR/containerd.toml"
  CLI_CONFIG_DIR="$DIR/cli"
  set_run_dir "$DIR"
}

set_run_dir() {
  RUN_DIR="$1"
  SOCK="$RUN_DIR/docker.sock"
  EXEC_ROOT="$RUN_DIR/exec"
  CONTAINERD_SOCK="$EXEC_ROOT/containerd/containerd.sock"
}

# Picks RUN_DIR for a fresh start and records it, so that stop/status find the sockets.
choose_run_dir() {
  if [ "${#DIR}" -le "$MAX_DIR_LEN_FOR_SOCKETS" ]; then
    set_run_dir "$DIR"
  else
    set_run_dir "$(mktemp -d /tmp/hodei-docker.XXXXXX)"
    log "DIR is ${#DIR} characters long, too long for unix socket paths: sockets and exec-root go to $RUN_DIR"
  fi
  printf 'RUN_DIR=%s\n' "$RUN_DIR" >"$STATE_FILE"
}

# Reads RUN_DIR from DIR/state (written by start); defaults to DIR.
load_state() {
  local run_dir="$DIR"
  if [ -f "$STATE_FILE" ]; then
    run_dir="$(sed -n 's/^RUN_DIR=//p' "$STATE_FILE")"
    [[ "$run_dir" == "$DIR" || "$run_dir" == /tmp/hodei-docker.* ]] \
      || die "$STATE_FILE names an unexpected RUN_DIR '$run_dir'"
  fi
  set_run_dir "$run_dir"
}

# ---------------------------------------------------------------------------------------
# The docker CLI, always pointed at our socket. Prefers Debian's /usr/bin/docker (same
# version as the daemon) over e.g. a newer CLI in /usr/local/bin. DOCKER_CONFIG points to
# an empty folder so the caller's ~/.docker (credential helpers, contexts) is never read.
# ---------------------------------------------------------------------------------------
docker_bin() {
  if [ -x /usr/bin/docker ]; then echo /usr/bin/docker; else command -v docker; fi
}

dk() { dk_timeout "$CLI_TIMEOUT_S" "$@"; }

dk_timeout() {
  local timeout_s="$1"; shift
  mkdir -p "$CLI_CONFIG_DIR"
  timeout "$timeout_s" env -u DOCKER_CONTEXT -u DOCKER_TLS_VERIFY -u DOCKER_CERT_PATH \
    -u DOCKER_API_VERSION DOCKER_CONFIG="$CLI_CONFIG_DIR" \
    "$DOCKER_BIN" --host "unix://$SOCK" "$@"
}

# True if dockerd answers on our socket (the CLI does GET /_ping and /version).
daemon_answers() {
  [ -S "$SOCK" ] || return 1
  dk_timeout 5 version --format '{{.Server.Version}}' >/dev/null 2>&1
}

# ---------------------------------------------------------------------------------------
# Processes. A pid is only trusted if its executable is one of ours AND its command line
# names our DIR or RUN_DIR: a stale pid file must never make us signal an unrelated
# process that reused the pid, nor the daemons of another DIR or of the system.
# ---------------------------------------------------------------------------------------

# Alive = exists and is not a zombie. Zombies matter here: when the init process of the
# machine/container does not reap orphans (e.g. a minimal init in a VM), a dead dockerd stays
# <defunct> forever and `kill -0` would keep saying it is alive.
# (Builtins only in these helpers: stop scans every process on the machine.)
pid_alive() {
  local stat
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  stat="${stat##*) }"
  [[ -n "$stat" && "${stat:0:1}" != [ZX] ]]
}

pid_is_ours() {
  local pid="$1" exe name args=()
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  pid_alive "$pid" || return 1
  { mapfile -d '' args <"/proc/$pid/cmdline"; } 2>/dev/null || return 1
  [[ "${args[*]}" == *"$DIR/"* || "${args[*]}" == *"$RUN_DIR/"* ]] || return 1
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null)" || return 1
  name="${exe##*/}"; name="${name% (deleted)}"
  [[ " $ENGINE_EXES " == *" $name "* ]]
}

pid_from_file() { if [ -f "$1" ]; then tr -dc '0-9' <"$1"; fi; }

# All live engine processes of this DIR: dockerd, containerd, shims (found by the
# `-address <our containerd.sock>` argument), runc invocations (by `--root <exec-root>`).
engine_pids() {
  local p pid
  for p in /proc/[0-9]*; do
    pid="${p#/proc/}"
    [ "$pid" != "$$" ] || continue
    if pid_is_ours "$pid"; then echo "$pid"; fi
  done
}

# The pid of our dockerd/containerd: from its pid file, or -- when that is missing, e.g.
# dockerd killed before writing it -- by scanning, so that it still gets a clean SIGTERM.
daemon_pid() {
  local name="$1" pidfile="$2" pid exe
  pid="$(pid_from_file "$pidfile")"
  if [ -n "$pid" ] && pid_is_ours "$pid"; then echo "$pid"; return 0; fi
  for pid in $(engine_pids); do
    exe="$(readlink "/proc/$pid/exe" 2>/dev/null)" || continue
    if [ "${exe##*/}" = "$name" ]; then echo "$pid"; return 0; fi
  done
}

# Live descendants of the given pids (container processes hang below the shims; runc
# init has no telling command line). Built from /proc/*/stat, since procps may be absent.
descendants_of() {
  local -A children=()
  local s line pid ppid rest queue=("$@") cur kid
  for s in /proc/[0-9]*/stat; do
    { read -r line <"$s"; } 2>/dev/null || continue
    pid="${line%% *}"
    rest="${line##*) }"
    read -r _ ppid _ <<<"$rest"
    children[$ppid]+=" $pid"
  done
  while [ "${#queue[@]}" -gt 0 ]; do
    cur="${queue[0]}"; queue=("${queue[@]:1}")
    for kid in ${children[$cur]:-}; do
      if pid_alive "$kid"; then echo "$kid"; fi
      queue+=("$kid")
    done
  done
}

# Container ids of the given shim processes (their `-id` argument).
shim_container_ids() {
  local pid
  for pid in "$@"; do
    tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | sed -n '/^-id$/{n;p;}' || true
  done
}

# What a SIGKILLed shim and its container leave behind, which dockerd/containerd would
# have removed: the (now empty) cgroups, e.g. .../memory/docker/<id> -- rmdir only ever
# succeeds on an empty cgroup -- and the shim's socket, which containerd 1.6 puts at the
# fixed path /run/containerd/s/sha256(<containerd address>/<namespace>/<id>).
remove_container_leftovers() {
  local id hash
  for id in $1; do
    [[ "$id" =~ ^[0-9a-f]{64}$ ]] || continue
    find /sys/fs/cgroup -maxdepth 4 -type d -name "$id" -prune -exec rmdir {} \; 2>/dev/null || true
    hash="$(printf '%s' "$CONTAINERD_SOCK/moby/$id" | sha256sum | cut -d' ' -f1)"
    rm -f "/run/containerd/s/$hash"
  done
}

# Waits until none of the pids is alive; returns 1 if some still are after $1 seconds.
wait_pids_gone() {
  local timeout_s="$1"; shift
  local deadline=$((SECONDS + timeout_s)) pid any
  while :; do
    any=0
    for pid in "$@"; do if pid_alive "$pid"; then any=1; break; fi; done
    [ "$any" -eq 0 ] && return 0
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.2
  done
}

# SIGTERM, bounded wait, then SIGKILL. Only for a pid that passed pid_is_ours.
terminate() {
  local what="$1" pid="$2" timeout_s="$3"
  kill -TERM "$pid" 2>/dev/null || return 0
  if ! wait_pids_gone "$timeout_s" "$pid"; then
    warn "$what (pid $pid) still running ${timeout_s}s after SIGTERM, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_pids_gone 10 "$pid" || warn "$what (pid $pid) survived SIGKILL"
  fi
}

# Runs a command as a daemon: own session (so the caller's Ctrl-C / job control does not
# hit it), clean environment, stdin from /dev/null, output to a log file, and no inherited
# file descriptors beyond 0-2 -- a daemon holding e.g. the caller's output pipe open makes
# `out=$(docker.sh start DIR)` or a CI step hang forever. Sets SPAWNED_PID.
spawn_daemon() {
  local logfile="$1"; shift
  (
    for fd in /proc/"$BASHPID"/fd/*; do
      fd="${fd##*/}"
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    exec setsid env -i PATH="$DAEMON_PATH" "$@" </dev/null >>"$logfile" 2>&1
  ) &
  SPAWNED_PID=$!
  disown "$SPAWNED_PID" 2>/dev/null || true   # no "Killed" job notices from bash later
}

# ---------------------------------------------------------------------------------------
# Mounts. dockerd bind-mounts its data-root onto itself (to make it rshared), mounts an
# overlay per container and bind-mounts network namespaces below the exec-root. It undoes
# all that on a clean shutdown, not when it is killed.
# ---------------------------------------------------------------------------------------
mounts_under() {
  local mnt
  while read -r _ mnt _; do
    printf -v mnt '%b' "$mnt"   # /proc/mounts escapes blanks as \040 etc.
    if [[ "$mnt" == "$DIR" || "$mnt" == "$DIR/"* || "$mnt" == "$RUN_DIR/"* ]]; then
      echo "$mnt"
    fi
  done </proc/mounts | sort -ru   # reverse order: nested mounts before their parents
}

unmount_all_under() {
  local mnt left
  for _ in 1 2 3; do
    left="$(mounts_under)"
    [ -z "$left" ] && return 0
    while IFS= read -r mnt; do
      [ -n "$mnt" ] || continue
      umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null \
        || warn "could not unmount $mnt"
    done <<<"$left"
  done
  [ -z "$(mounts_under)" ]
}

# ---------------------------------------------------------------------------------------
# start
# ---------------------------------------------------------------------------------------
check_prerequisites() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (dockerd needs it). Try: sudo $0 start $DIR"
  local c missing=()
  for c in dockerd containerd containerd-shim-runc-v2 runc docker-init setsid flock timeout tar; do
    PATH="$DAEMON_PATH" command -v "$c" >/dev/null 2>&1 || missing+=("$c")
  done
  DOCKER_BIN="$(docker_bin)" || missing+=("docker")
  [ "${#missing[@]}" -eq 0 ] \
    || die "missing ${missing[*]}; install them with: scripts/install-deps.sh docker"
  [ -x "$BUSYBOX" ] || die "$BUSYBOX not found; install busybox-static (scripts/install-deps.sh docker)"
  # A dynamically linked busybox (Debian package 'busybox') cannot run in an image that
  # has no libc; its ELF interpreter path sits in the first bytes of the file.
  if head -c 4096 "$BUSYBOX" | grep -aq 'ld-linux'; then
    die "$BUSYBOX is dynamically linked; install busybox-static instead of busybox"
  fi
}

write_configs() {
  # An empty daemon.json keeps /etc/docker/daemon.json (hosts, data-root, registry
  # mirrors...) of the machine out: conflicting settings would make dockerd refuse to start.
  echo '{}' >"$DOCKERD_CONFIG"
  # Our own containerd config: the system /etc/containerd/config.toml is not read, CRI
  # (Kubernetes) is off, and all its state lives under DIR / RUN_DIR.
  cat >"$CONTAINERD_CONFIG" <<EOF
# Generated by scripts/services/docker.sh -- private containerd of the test dockerd.
version = 2
root = "$DATA_ROOT/containerd/daemon"
state = "$EXEC_ROOT/containerd/daemon"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "$CONTAINERD_SOCK"

[debug]
  address = ""

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$DATA_ROOT/containerd/opt"
EOF
}

# We start containerd ourselves instead of letting dockerd do it: dockerd 20.10 silently
# uses the *system* containerd whenever /run/containerd/containerd.sock exists (e.g. when
# a system docker is installed and running), and then our containers and shims would live
# in the system containerd, shared with the system dockerd, out of reach of `stop`.
start_containerd() {
  mkdir -p "$DATA_ROOT/containerd" "$EXEC_ROOT/containerd"
  rm -f "$CONTAINERD_SOCK"
  spawn_daemon "$CONTAINERD_LOG" containerd --config "$CONTAINERD_CONFIG"
  echo "$SPAWNED_PID" >"$CONTAINERD_PIDFILE"
  local deadline=$((SECONDS + CONTAINERD_TIMEOUT_S))
  until [ -S "$CONTAINERD_SOCK" ]; do
    pid_alive "$SPAWNED_PID" || start_failed "containerd exited during startup" "$CONTAINERD_LOG"
    [ "$SECONDS" -lt "$deadline" ] \
      || start_failed "containerd did not create $CONTAINERD_SOCK within ${CONTAINERD_TIMEOUT_S}s" "$CONTAINERD_LOG"
    sleep 0.1
  done
}

# Starts dockerd with the given storage driver and waits for it to answer.
# Returns 0 when up, 3 if it died because of the storage driver (caller may fall back),
# exits via start_failed on anything else.
start_dockerd() {
  local driver="$1"
  echo "=== $PROG: starting dockerd with --storage-driver=$driver ($(date -u +%FT%TZ)) ===" >>"$DOCKERD_LOG"
  rm -f "$DOCKERD_PIDFILE" "$SOCK"
  # --ip-forward=false: even with --bridge=none, dockerd would otherwise switch on
  # net.ipv4.ip_forward for the whole host. --containerd: see start_containerd.
  spawn_daemon "$DOCKERD_LOG" dockerd \
    --config-file "$DOCKERD_CONFIG" \
    --host "unix://$SOCK" \
    --data-root "$DATA_ROOT" \
    --exec-root "$EXEC_ROOT" \
    --pidfile "$DOCKERD_PIDFILE" \
    --containerd "$CONTAINERD_SOCK" \
    --storage-driver="$driver" \
    --default-runtime=runc \
    --iptables=false --ip-masq=false --ip-forward=false --bridge=none
  local pid="$SPAWNED_PID" deadline=$((SECONDS + PING_TIMEOUT_S))
  until daemon_answers; do
    if ! pid_alive "$pid"; then
      if grep -qE 'graphdriver|storage.driver|driver not supported|overlay' <(tail -n 20 "$DOCKERD_LOG"); then
        return 3
      fi
      start_failed "dockerd exited during startup (storage driver $driver)" "$DOCKERD_LOG"
    fi
    [ "$SECONDS" -lt "$deadline" ] \
      || start_failed "dockerd did not answer on $SOCK within ${PING_TIMEOUT_S}s" "$DOCKERD_LOG"
    sleep 0.2
  done
}

# A minimal image: static busybox + applet symlinks, users root and nobody, /tmp (1777) and
# /workspace. /usr/bin, /usr/sbin and /sbin point at /bin so `#!/usr/bin/env sh` works.
build_rootfs() {
  local rootfs="$1" applet
  rm -rf "$rootfs"
  mkdir -p "$rootfs"/{bin,etc,root,tmp,workspace,proc,sys,dev,usr}
  chmod 1777 "$rootfs/tmp"
  chmod 0700 "$rootfs/root"
  cp "$BUSYBOX" "$rootfs/bin/busybox"
  for applet in $("$BUSYBOX" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
  done
  ln -s bin "$rootfs/sbin"
  ln -s ../bin "$rootfs/usr/bin"
  ln -s ../bin "$rootfs/usr/sbin"
  cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
  cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
EOF
}

import_image() {
  local build="$DIR/image-build" old_id new_id
  # Re-importing into a reused DIR would leave the previous image behind as <none>.
  old_id="$(dk image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null)" || old_id=""
  build_rootfs "$build/rootfs"
  # `docker import` = POST /images/create?fromSrc=-; the changes give the image a PATH
  # (an imported tarball has no config at all otherwise) and a default command.
  tar -C "$build/rootfs" --numeric-owner --owner=0 --group=0 -cf - . \
    | dk import --change 'ENV PATH=/bin' --change 'CMD ["/bin/sh"]' \
        --message "hodei test image from $BUSYBOX" - "$IMAGE" >/dev/null \
    || start_failed "importing $IMAGE failed" "$DOCKERD_LOG"
  rm -rf "$build"
  local env
  env="$(dk image inspect --format '{{.Config.Env}}' "$IMAGE")" \
    || start_failed "$IMAGE is missing after import" "$DOCKERD_LOG"
  [[ "$env" == *"PATH=/bin"* ]] || start_failed "$IMAGE has no PATH=/bin (Env: $env)" "$DOCKERD_LOG"
  new_id="$(dk image inspect --format '{{.Id}}' "$IMAGE")"
  if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
    dk image rm "$old_id" >/dev/null 2>&1 || true
  fi
}

# One real container run, so that runtime problems (runc, cgroups, mounts) show up here
# with the daemon log next to them, not as a puzzling failure in some C++ test.
smoke_test() {
  local out err="$DIR/smoke-test.err"
  # stdout only: the CLI may print harmless daemon warnings on stderr.
  out="$(dk run --rm --network none "$IMAGE" sh -c 'echo ok' 2>"$err")" || true
  [ "$out" = ok ] \
    || start_failed "smoke test 'docker run --rm $IMAGE sh -c \"echo ok\"' failed: $out $(cat "$err")" "$DOCKERD_LOG"
  rm -f "$err"
}

write_env_file() {
  cat >"$ENV_FILE.tmp" <<EOF
# Generated by scripts/services/docker.sh start -- private Docker engine for the tests.
export DOCKER_HOST=unix://$SOCK
export HODEI_TEST_DOCKER_IMAGE=$IMAGE
EOF
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

start_failed() {
  local msg="$1" logfile="${2:-}"
  echo "$PROG: error: $msg" >&2
  if [ -n "$logfile" ] && [ -s "$logfile" ]; then
    echo "$PROG: last lines of $logfile:" >&2
    tail -n 25 "$logfile" | sed 's/^/    /' >&2
  fi
  exit 1   # the EXIT trap of cmd_start stops whatever was started
}

cleanup_failed_start() {
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "$PROG: start failed, stopping what was started (logs stay in $DIR)" >&2
    ( do_stop quiet ) || true
  fi
  exit "$rc"
}

# Serialises start/stop of the same DIR (e.g. a test harness' cleanup trap firing while
# a start is still running). The daemons do not inherit the lock fd (spawn_daemon).
lock_dir() {
  exec 9>"$DIR/.lock"
  flock -w 120 9 || die "another docker.sh start/stop on $DIR has been running for 120s"
}

cmd_start() {
  local t0_ns t1_ns
  t0_ns="$(date +%s%N)"
  set_dir "$1" create
  check_prerequisites
  lock_dir
  load_state
  if [ -f "$ENV_FILE" ] && daemon_answers; then
    log "already running on unix://$SOCK"
    echo "$ENV_FILE"
    return 0
  fi
  # Leftovers of a crashed or killed earlier run (processes, mounts, stale pid files).
  do_stop quiet || die "could not clean up an earlier run in $DIR"

  trap cleanup_failed_start EXIT
  trap 'exit 130' INT TERM
  choose_run_dir
  mkdir -p "$DATA_ROOT" "$EXEC_ROOT"
  : >"$DOCKERD_LOG"; : >"$CONTAINERD_LOG"
  write_configs
  start_containerd

  local driver rc
  for driver in overlay2 vfs; do
    rc=0
    start_dockerd "$driver" || rc=$?
    [ "$rc" -eq 0 ] && break
    [ "$driver" = overlay2 ] || start_failed "dockerd failed with --storage-driver=$driver" "$DOCKERD_LOG"
    log "storage driver overlay2 is not usable here ($(grep -m1 -oE 'failed to start daemon: .*' "$DOCKERD_LOG" || echo 'see dockerd.log')); falling back to vfs"
    # dockerd may already have bind-mounted its data-root before giving up.
    unmount_all_under || true
  done
  log "dockerd $(dk version --format '{{.Server.Version}}') is up on unix://$SOCK, storage driver: $driver"

  import_image
  smoke_test
  write_env_file
  trap - EXIT INT TERM
  t1_ns="$(date +%s%N)"
  log "ready in $(( (t1_ns - t0_ns) / 1000000 )) ms (image $IMAGE); source $ENV_FILE"
  echo "$ENV_FILE"
}

# ---------------------------------------------------------------------------------------
# stop
# ---------------------------------------------------------------------------------------
remove_all_containers() {
  local ids
  ids="$(dk ps --all --quiet --no-trunc 2>/dev/null)" || { warn "could not list containers"; return 0; }
  [ -n "$ids" ] || return 0
  # shellcheck disable=SC2086 # one id per word
  dk rm --force --volumes $ids >/dev/null 2>&1 || warn "could not remove all containers"
}

# Stops everything of DIR; `quiet` suppresses the progress messages (used by start).
do_stop() {
  local quiet="${1:-}" pid leftovers kids ids
  load_state

  if daemon_answers; then
    [ -n "$quiet" ] || log "removing all containers on unix://$SOCK"
    remove_all_containers
  fi

  # dockerd first (it stops its containers and unmounts what it mounted), then containerd.
  pid="$(daemon_pid dockerd "$DOCKERD_PIDFILE")"
  if [ -n "$pid" ]; then
    [ -n "$quiet" ] || log "stopping dockerd (pid $pid)"
    terminate dockerd "$pid" "$DOCKERD_STOP_TIMEOUT_S"
  fi
  pid="$(daemon_pid containerd "$CONTAINERD_PIDFILE")"
  if [ -n "$pid" ]; then
    [ -n "$quiet" ] || log "stopping containerd (pid $pid)"
    terminate containerd "$pid" "$CONTAINERD_STOP_TIMEOUT_S"
  fi

  # Last resort for anything that is left (daemons whose pid file got lost, shims that
  # outlived a SIGKILLed containerd): kill the containers below them first -- killing the
  # init of a pid namespace kills the whole container -- then the engine processes.
  leftovers="$(engine_pids)"
  if [ -n "$leftovers" ]; then
    # shellcheck disable=SC2086 # one pid per word
    ids="$(shim_container_ids $leftovers)"
    # shellcheck disable=SC2086
    kids="$(descendants_of $leftovers)"
    warn "killing leftover processes of $DIR: $(echo "$leftovers $kids" | tr '\n' ' ')"
    # shellcheck disable=SC2086
    kill -KILL $kids $leftovers 2>/dev/null || true
    # shellcheck disable=SC2086
    wait_pids_gone 10 $kids $leftovers || true
    remove_container_leftovers "$ids"
  fi

  unmount_all_under || warn "some mounts under $DIR could not be removed"

  rm -f "$ENV_FILE" "$DOCKERD_PIDFILE" "$CONTAINERD_PIDFILE" "$SOCK" "$CONTAINERD_SOCK" \
    "$CONTAINERD_SOCK.ttrpc"
  if [ "$RUN_DIR" != "$DIR" ] && [ -d "$RUN_DIR" ] && [ -z "$(mounts_under)" ]; then
    rm -rf "$RUN_DIR"
  fi
  rm -f "$STATE_FILE"

  # Report (and fail) if anything survived: CI must notice leaking daemons or mounts.
  local bad=0
  leftovers="$(engine_pids)"
  if [ -n "$leftovers" ]; then
    echo "$PROG: error: processes of $DIR still running: $(echo "$leftovers" | tr '\n' ' ')" >&2; bad=1
  fi
  if [ -n "$(mounts_under)" ]; then
    echo "$PROG: error: still mounted under $DIR:" >&2; mounts_under >&2; bad=1
  fi
  [ "$bad" -eq 0 ] || return 1
  [ -n "$quiet" ] || log "stopped ($DIR)"
}

cmd_stop() {
  set_dir "$1" nocreate
  [ "$(id -u)" -eq 0 ] || die "must run as root. Try: sudo $0 stop $DIR"
  if [ ! -d "$DIR" ]; then
    log "nothing to stop: $DIR does not exist"
    return 0
  fi
  DOCKER_BIN="$(docker_bin)" || DOCKER_BIN=docker
  lock_dir
  do_stop
}

# ---------------------------------------------------------------------------------------
# status
# ---------------------------------------------------------------------------------------
cmd_status() {
  set_dir "$1" nocreate
  DOCKER_BIN="$(docker_bin)" || die "docker CLI not found; install docker.io"
  [ -d "$DIR" ] || { log "not running ($DIR does not exist)"; return 1; }
  load_state
  if daemon_answers; then
    log "running: unix://$SOCK"
  else
    log "not running ($DIR)"
    return 1
  fi
}

main() {
  [ "$#" -eq 2 ] || usage
  case "$1" in
    start) cmd_start "$2" ;;
    stop) cmd_stop "$2" ;;
    status) cmd_status "$2" ;;
    *) usage ;;
  esac
}

main "$@"
