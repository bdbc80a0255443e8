#!/usr/bin/env bash
# The README's second command: installs every dependency (apt), builds, starts the real servers the integration
# tests need (a private Docker engine, a throw-away Ceph S3 cluster), runs every test through ctest, and stops the
# servers again. Exits non-zero on any failure.
#
#   scripts/test.sh                 # preset "dev" (Debug)
#   HODEI_PRESET=asan scripts/test.sh   # ASan + UBSan (also tsan); any sanitizer report fails the run
#   scripts/test.sh -R shell        # extra arguments go to ctest
#   HODEI_FUZZ_SECONDS=0 scripts/test.sh   # without the short fuzz run (default: 8 s per target, after ctest;
#                                          # skipped when ctest gets extra arguments unless this is set)
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${HODEI_PRESET:-dev}"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

as_root scripts/install-deps.sh
# HODEI_BUILD_TARGETS (space-separated) builds only those targets, for a run limited with ctest -L/-R.
build_args=()
[ -n "${HODEI_BUILD_TARGETS:-}" ] && read -r -a build_args <<<"--target $HODEI_BUILD_TARGETS"
HODEI_SKIP_DEPS=1 scripts/build.sh "$preset" "${build_args[@]}"

# Services live in a short path (unix socket paths are limited to 107 bytes) and are always stopped on exit.
services_dir="$(mktemp -d /tmp/hodei-svc.XXXXXX)"
stop_services() {
  for svc in docker s3; do
    [ -d "$services_dir/$svc" ] && as_root scripts/services/$svc.sh stop "$services_dir/$svc" >/dev/null 2>&1 || true
  done
  rm -rf "$services_dir"
}
trap stop_services EXIT

start_service() { # name -> starts it in the background, logs to services_dir/name.start.log
  as_root scripts/services/"$1".sh start "$services_dir/$1" >"$services_dir/$1.start.log" 2>&1
}
start_service docker & docker_pid=$!
start_service s3 & s3_pid=$!
failed=0
wait $docker_pid || { echo "test.sh: the Docker engine did not start:"; cat "$services_dir/docker.start.log"; failed=1; }
wait $s3_pid || { echo "test.sh: the S3 server did not start:"; cat "$services_dir/s3.start.log"; failed=1; }
[ $failed -eq 0 ] || exit 1
# shellcheck disable=SC1091
source "$services_dir/docker/docker.env"
# shellcheck disable=SC1091
source "$services_dir/s3/s3.env"
# Tests that need a service fail (never skip) when it is missing.
export HODEI_TEST_REQUIRE_SERVICES=1

# Sanitizer presets write their reports to build/<preset>/sanitizer-reports (CMakePresets.json): a report from any
# process — a test, or a worker or devserver a test started — fails the run, even when that process's exit status
# was not checked.
reports="build/$preset/sanitizer-reports"
rm -rf "$reports" && mkdir -p "$reports"
ctest --preset "$preset" -j2 --output-on-failure "$@"
if [ -n "$(ls -A "$reports")" ]; then
  echo "test.sh: sanitizer reports in $reports:"
  for report in "$reports"/*; do echo "--- $report"; head -60 "$report"; done
  exit 1
fi

# A short run of every fuzz target (scripts/fuzz.sh, docs/fuzzing.md): builds preset "fuzz", then N seconds each.
# Once per CI run is enough: only with the dev preset unless HODEI_FUZZ_SECONDS asks for it.
if { [ $# -eq 0 ] && [ "$preset" = dev ]; } || [ -n "${HODEI_FUZZ_SECONDS:-}" ]; then
  fuzz_seconds="${HODEI_FUZZ_SECONDS:-8}"
  if [ "$fuzz_seconds" -gt 0 ]; then
    stop_services # the fuzz targets need no service; give their memory back first
    scripts/fuzz.sh "$fuzz_seconds"
  fi
fi
