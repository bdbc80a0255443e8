#!/usr/bin/env bash
# Installs exactly the Debian (bookworm) packages that building and testing Hodei Worker need.
# Idempotent: packages already present are skipped by apt. Waits for the apt/dpkg lock instead of failing.
#
#   scripts/install-deps.sh            # everything (build + test services)
#   scripts/install-deps.sh build      # only what the build needs
#   scripts/install-deps.sh build docker s3   # build + the named test services
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: must run as root (it calls apt-get). Try: sudo $0 $*" >&2
  exit 1
fi

build_pkgs=(
  cmake ninja-build g++ clang pkg-config
  libgrpc++-dev protobuf-compiler-grpc protobuf-compiler libprotobuf-dev
  libboost-dev libboost-filesystem-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev catch2
  libcurl4-openssl-dev libssl-dev prometheus-cpp-dev libsystemd-dev zlib1g-dev
  clang-format clang-tidy python3
  # libFuzzer's runtime for scripts/fuzz.sh (clang recommends it; apt runs here without recommends)
  libclang-rt-14-dev
  # packaging (cpack -G DEB, tests/packaging): dpkg-shlibdeps (dpkg-dev) computes the worker package's Depends,
  # systemd provides systemd-analyze to verify the unit (its postinst is harmless in a container without systemd as
  # PID 1: it starts nothing), python3 reads `plugins list --json` in the package test.
  dpkg-dev systemd python3
)
docker_pkgs=(docker.io busybox-static)
s3_pkgs=(radosgw ceph-mon ceph-osd awscli)

groups=("$@")
[ ${#groups[@]} -eq 0 ] && groups=(build docker s3)

wanted=()
for g in "${groups[@]}"; do
  case "$g" in
    build) wanted+=("${build_pkgs[@]}") ;;
    docker) wanted+=("${docker_pkgs[@]}") ;;
    s3) wanted+=("${s3_pkgs[@]}") ;;
    *) echo "install-deps.sh: unknown group '$g' (expected: build, docker, s3)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps.sh: all ${#wanted[@]} packages already installed"
  exit 0
fi

wait_for_apt_lock() {
  local waited=0
  command -v fuser >/dev/null || return 0  # psmisc absent: rely on apt's own lock timeout
  while fuser /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock >/dev/null 2>&1; do
    [ $waited -eq 0 ] && echo "install-deps.sh: waiting for another apt/dpkg to finish..."
    sleep 2; waited=$((waited + 2))
    if [ $waited -ge 600 ]; then echo "install-deps.sh: apt lock still held after 600 s" >&2; exit 1; fi
  done
}

export DEBIAN_FRONTEND=noninteractive
echo "install-deps.sh: installing ${missing[*]}"
wait_for_apt_lock
apt-get update -qq
wait_for_apt_lock
apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}"
