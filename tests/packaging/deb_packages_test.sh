#!/usr/bin/env bash
# deb_packages_test.sh BUILD_DIR SOURCE_DIR VERSION VERIFY_UNIT_SH
# Builds the Debian packages from the build tree with cpack, extracts them with dpkg-deb into a temporary root
# (nothing is installed on this machine) and checks their metadata, layout and that the extracted worker runs and
# loads its bundled plugins from the extracted tree. Exit 77 (skipped) when cpack/dpkg-deb are missing.
set -euo pipefail
build=$1 src=$2 version=$3 verify_unit=$4

for tool in cpack dpkg-deb dpkg-shlibdeps; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed (scripts/install-deps.sh build)"; exit 77; }
done

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }
need_file() { [ -f "$1" ] && ok "$2" || fail "$2: missing ${1#"$tmp"/}"; }

tmp=$(mktemp -d /tmp/hodei-deb-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp" # like /: the plugin loader refuses folders writable by others, mktemp's 0700 is fine too

# --- build ---------------------------------------------------------------------------------------------------------
if ! cpack -G DEB -B "$tmp/out" --config "$build/CPackConfig.cmake" >"$tmp/cpack.log" 2>&1; then
  cat "$tmp/cpack.log"
  echo "FAIL: cpack -G DEB"
  exit 1
fi
arch=$(dpkg --print-architecture)
worker_deb=$(ls "$tmp"/out/hodei-worker_"$version"-1_"$arch".deb 2>/dev/null || true)
dev_deb=$(ls "$tmp"/out/hodei-plugin-dev_"$version"-1_all.deb 2>/dev/null || true)
[ -n "$worker_deb" ] || { ls "$tmp/out"; echo "FAIL: no hodei-worker_${version}-1_${arch}.deb"; exit 1; }
[ -n "$dev_deb" ] || { ls "$tmp/out"; echo "FAIL: no hodei-plugin-dev_${version}-1_all.deb"; exit 1; }
ok "cpack built $(basename "$worker_deb") and $(basename "$dev_deb")"

# --- metadata ------------------------------------------------------------------------------------------------------
field() { dpkg-deb -f "$1" "$2"; }
[ "$(field "$worker_deb" Package)" = hodei-worker ] || fail "worker Package: $(field "$worker_deb" Package)"
[ "$(field "$worker_deb" Version)" = "$version-1" ] || fail "worker Version: $(field "$worker_deb" Version)"
[ "$(field "$worker_deb" Architecture)" = "$arch" ] || fail "worker Architecture"
[ "$(field "$worker_deb" Section)" = devel ] || fail "worker Section: $(field "$worker_deb" Section)"
[ -n "$(field "$worker_deb" Maintainer)" ] || fail "worker Maintainer missing"
depends=$(field "$worker_deb" Depends)
wanted_deps="adduser libc6 libstdc++6"
# Once the worker links libsystemd (sd_notify), dpkg-shlibdeps must have turned that into a dependency.
dynamic_section=$(readelf -d "$build/bin/hodei-worker" 2>/dev/null || true)
if grep -q 'NEEDED.*libsystemd\.so' <<<"$dynamic_section"; then
  wanted_deps="$wanted_deps libsystemd0"
fi
for dep in $wanted_deps; do
  case ", $depends," in *", $dep"[\ ,]*) ;; *) fail "worker Depends lacks $dep: $depends" ;; esac
done
# Captured first: under pipefail, `head` closing the pipe early can kill the producer with SIGPIPE (flaky failure).
description=$(field "$worker_deb" Description)
case "${description%%$'\n'*}" in *worker*) ;; *) fail "worker Description: $description" ;; esac
[ "$(field "$dev_deb" Package)" = hodei-plugin-dev ] || fail "dev Package"
[ "$(field "$dev_deb" Version)" = "$version-1" ] || fail "dev Version"
[ "$(field "$dev_deb" Architecture)" = all ] || fail "dev Architecture: $(field "$dev_deb" Architecture)"
[ "$(field "$dev_deb" Section)" = libdevel ] || fail "dev Section"
ok "metadata (Depends: $depends)"
# A build with debug information also gives a -dbgsym package; the .deb's binaries are stripped either way.
dbgsym=$(ls "$tmp"/out/hodei-worker-dbgsym_"$version"-1_"$arch".ddeb 2>/dev/null || true)
if [ -n "$dbgsym" ]; then
  [ "$(field "$dbgsym" Depends)" = "hodei-worker (= $version-1)" ] && ok "$(basename "$dbgsym")" ||
    fail "dbgsym Depends: $(field "$dbgsym" Depends)"
fi

# --- control files: conffile and maintainer scripts -----------------------------------------------------------------
dpkg-deb -e "$worker_deb" "$tmp/control"
grep -qxF /etc/hodei/worker.json "$tmp/control/conffiles" 2>/dev/null && ok "conffiles lists /etc/hodei/worker.json" ||
  fail "conffiles does not list /etc/hodei/worker.json"
for script in postinst prerm postrm; do
  if [ -x "$tmp/control/$script" ] && sh -n "$tmp/control/$script"; then ok "$script present"; else fail "$script"; fi
done
grep -q "adduser --system --group --home /var/lib/hodei" "$tmp/control/postinst" || fail "postinst does not create the hodei user"
# Run the maintainer scripts with every command that would change this machine replaced by a stub that records its
# arguments: they must succeed without systemd (no /run/systemd/system in this container) and do what they should.
mkdir -p "$tmp/stubs"
for cmd in adduser mkdir chown chmod rm systemctl deb-systemd-helper deb-systemd-invoke; do
  printf '#!/bin/sh\necho "%s $*" >>"%s"\n' "$cmd" "$tmp/calls" >"$tmp/stubs/$cmd"
done
printf '#!/bin/sh\nexit 2\n' >"$tmp/stubs/getent" # no hodei user or group yet
chmod +x "$tmp"/stubs/*
run_script() { # run_script SCRIPT ARGS...: exit status, calls in $tmp/calls
  : >"$tmp/calls"
  PATH="$tmp/stubs:/usr/bin:/bin" sh "$tmp/control/$1" "${@:2}" >"$tmp/script.out" 2>&1
}
if run_script postinst configure && grep -q '^adduser --system --group --home /var/lib/hodei .* hodei$' "$tmp/calls" &&
    grep -qx 'chown hodei:hodei /var/lib/hodei' "$tmp/calls" && grep -qx 'chmod 0750 /var/lib/hodei' "$tmp/calls"; then
  ok "postinst configure (fresh install, no systemd) creates the user and /var/lib/hodei"
else
  cat "$tmp/script.out" "$tmp/calls"; fail "postinst configure"
fi
if [ -d /run/systemd/system ]; then
  echo "note: systemd runs here: the no-systemd paths of the maintainer scripts are not exercised"
else
  run_script postinst configure 0.0.1 && ! grep -q systemctl "$tmp/calls" && ok "postinst upgrade without systemd" ||
    fail "postinst upgrade without systemd"
  run_script prerm remove && [ ! -s "$tmp/calls" ] && ok "prerm remove without systemd" || fail "prerm remove"
  run_script prerm upgrade 0.2.0 && ok "prerm upgrade" || fail "prerm upgrade"
  run_script postrm remove && ok "postrm remove without systemd" || fail "postrm remove"
fi
run_script postrm purge && grep -qx 'rm -rf /var/lib/hodei' "$tmp/calls" && ok "postrm purge removes /var/lib/hodei" ||
  { cat "$tmp/script.out" "$tmp/calls"; fail "postrm purge"; }

# --- layout --------------------------------------------------------------------------------------------------------
root=$tmp/root
dpkg-deb -x "$worker_deb" "$root"
dpkg-deb -x "$dev_deb" "$root"
dpkg-deb -c "$worker_deb" >"$tmp/worker.list"
dpkg-deb -c "$dev_deb" >"$tmp/dev.list"
[ -x "$root/usr/bin/hodei-worker" ] && ok "usr/bin/hodei-worker" || fail "usr/bin/hodei-worker missing"
plugin_count=0
for built in "$build"/lib/hodei/plugins/*.so; do
  [ -e "$built" ] || continue
  plugin_count=$((plugin_count + 1))
  need_file "$root/usr/lib/hodei/plugins/$(basename "$built")" "plugin $(basename "$built")"
done
[ $plugin_count -gt 0 ] || fail "no plugin built in $build/lib/hodei/plugins"
if command -v file >/dev/null; then
  for elf in "$root/usr/bin/hodei-worker" "$root"/usr/lib/hodei/plugins/*.so; do
    file -L "$elf" | grep -q ', stripped' || fail "${elf#"$root"} is not stripped"
  done
fi
need_file "$root/etc/hodei/worker.json" "etc/hodei/worker.json"
need_file "$root/usr/lib/systemd/system/hodei-worker.service" "systemd unit"
cmp -s "$root/usr/lib/systemd/system/hodei-worker.service" "$src/packaging/systemd/hodei-worker.service" ||
  fail "packaged unit differs from packaging/systemd/hodei-worker.service"
grep -q ' root/root .* ./usr/bin/hodei-worker$' "$tmp/worker.list" || fail "usr/bin/hodei-worker not owned by root"
if grep -E '^[^ ]*(.....w....|........w.) ' "$tmp/worker.list" | grep -v '^l'; then
  fail "files writable by group or others in the worker package (the plugin loader refuses them)"
fi
for h in hodei/plugin_api.h hodei/abi.h hodei/executor.h hodei/artifact_backend.h hodei/sdk.hpp; do
  need_file "$root/usr/include/$h" "usr/include/$h"
done
# usr/lib/cmake, or usr/lib/<multiarch>/cmake when the tree was configured with CMAKE_INSTALL_PREFIX=/usr.
cmake_dir=$(dirname "$(find "$root/usr/lib" -name HodeiPluginApiConfig.cmake -print -quit)")
for f in HodeiPluginApiConfig.cmake HodeiPluginApiConfigVersion.cmake HodeiPluginApiTargets.cmake \
    HodeiPluginHelpers.cmake hodei-plugin.map; do
  need_file "$cmake_dir/$f" "CMake package $f"
done
pc=$root/usr/share/pkgconfig/hodei-plugin-api.pc
need_file "$pc" "pkg-config file"
for example in custom-executor c-executor; do
  if [ -d "$src/examples/$example" ]; then
    [ -d "$root/usr/share/doc/hodei-plugin-dev/examples/$example" ] && ok "example $example" || fail "example $example missing"
  fi
done
if grep -q '/usr/local' "$tmp/worker.list" "$tmp/dev.list"; then fail "something packaged under /usr/local"; fi

# --- the extracted worker runs and finds its plugins -----------------------------------------------------------------
worker=$root/usr/bin/hodei-worker
out=$("$worker" --version 2>&1) || fail "hodei-worker --version exited $?"
[ "$out" = "hodei-worker $version" ] && ok "--version: $out" || fail "--version printed '$out'"

check_plugins() { # check_plugins DESCRIPTION JSON_FILE
  python3 - "$1" "$2" "$root/usr/lib/hodei/plugins" "$plugin_count" <<'PY'
import json, os, sys
what, path, plugin_dir, expected = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
data = json.load(open(path))
problems = []
files = [p["file"] for p in data["plugins"]]
# A plugin whose init() fails was found, loaded and passed the ABI handshake: only this machine lacks what it needs
# (no Docker daemon here, no S3 credentials). Any other refusal (permissions, dlopen, ABI) is a packaging problem.
init_failed = [r["file"] for r in data["refused"] if r["reason"].startswith("init failed")]
other = [r for r in data["refused"] if not r["reason"].startswith("init failed")]
if other:
    problems.append("refused: %s" % other)
found = files + init_failed
if len(found) != expected:
    problems.append("%d plugins found, expected %d: %s" % (len(found), expected, found))
for f in found:
    if os.path.dirname(os.path.realpath(f)) != os.path.realpath(plugin_dir):
        problems.append("%s is not from the extracted tree" % f)
if not any(p["id"] == "dev.hodei.executor.shell" for p in data["plugins"]):
    problems.append("the shell executor did not load: %s" % files)
print(("FAIL: " if problems else "ok: ") + what + (": " + "; ".join(problems) if problems else
      ": loaded %s%s" % (", ".join(sorted(p["id"] for p in data["plugins"])),
                         "; init failed here (no daemon/credentials): %s" % ", ".join(os.path.basename(f) for f in init_failed)
                         if init_failed else "")))
sys.exit(1 if problems else 0)
PY
}
# cd / : nothing may depend on the build tree or the current folder. Dummy S3 credentials let the s3 backend's
# init() succeed (it does not call the network to start).
export AWS_ACCESS_KEY_ID=hodei-test AWS_SECRET_ACCESS_KEY=hodei-test AWS_REGION=us-east-1
if (cd / && "$worker" --plugin-dir "$root/usr/lib/hodei/plugins" plugins list --json >"$tmp/list1.json" 2>"$tmp/list1.err"); then
  check_plugins "plugins list --plugin-dir <extracted>" "$tmp/list1.json" || failures=$((failures + 1))
else
  cat "$tmp/list1.err"; fail "plugins list --plugin-dir exited non-zero"
fi
if (cd / && "$worker" plugins list --json >"$tmp/list2.json" 2>"$tmp/list2.err"); then
  check_plugins "plugins list (default folder <exe>/../lib/hodei/plugins)" "$tmp/list2.json" || failures=$((failures + 1))
else
  cat "$tmp/list2.err"; fail "plugins list (default folder) exited non-zero"
fi
# The packaged config parses (its plugin folder is /usr/lib/hodei/plugins: overridden by the flag here).
if (cd / && "$worker" --config "$root/etc/hodei/worker.json" --plugin-dir "$root/usr/lib/hodei/plugins" \
    plugins list --json >"$tmp/list3.json" 2>"$tmp/list3.err"); then
  check_plugins "--config etc/hodei/worker.json plugins list" "$tmp/list3.json" || failures=$((failures + 1))
else
  cat "$tmp/list3.err"; fail "--config etc/hodei/worker.json plugins list exited non-zero"
fi
# `config check` can only complain about what needs the real machine: the token file.
check_out=$("$worker" config check "$root/etc/hodei/worker.json" 2>&1) && check_rc=0 || check_rc=$?
if [ $check_rc -eq 0 ] || ! echo "$check_out" | grep -q 'token_file'; then
  echo "$check_out"
  [ -f /etc/hodei/token ] || fail "config check: expected exactly a token_file complaint (exit $check_rc)"
elif echo "$check_out" | grep -v token_file | grep -q .; then
  echo "$check_out"; fail "config check complains about more than the token file"
else
  ok "config check of the packaged worker.json: only the (absent) token file"
fi

# --- the dev package is usable from the extracted tree ---------------------------------------------------------------
if command -v pkg-config >/dev/null; then
  cflags=$(PKG_CONFIG_PATH=$root/usr/share/pkgconfig pkg-config --cflags hodei-plugin-api | xargs)
  inc=$(cd "$root/usr/include" && pwd -P)
  case "$cflags" in -I*) ;; *) fail "pkg-config --cflags: '$cflags'" ;; esac
  if [ "$(cd "${cflags#-I}" 2>/dev/null && pwd -P)" = "$inc" ]; then ok "pkg-config --cflags: $cflags"
  else fail "pkg-config --cflags '$cflags' is not the extracted usr/include"; fi
  printf '#include <hodei/plugin_api.h>\n#include <hodei/executor.h>\nint main(void) { return 0; }\n' >"$tmp/use.c"
  cc -std=c99 -fsyntax-only $cflags "$tmp/use.c" && ok "C compiles against the packaged headers" || fail "C headers"
  printf '#include <hodei/sdk.hpp>\nint main() { return 0; }\n' >"$tmp/use.cpp"
  c++ -std=c++17 -fsyntax-only $cflags "$tmp/use.cpp" && ok "C++17 compiles against the packaged SDK" || fail "SDK"
fi
mkdir -p "$tmp/consumer"
cat >"$tmp/consumer/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.16)
project(consumer LANGUAGES CXX)
find_package(HodeiPluginApi 1 CONFIG REQUIRED NO_DEFAULT_PATH)
get_target_property(inc Hodei::plugin-api INTERFACE_INCLUDE_DIRECTORIES)
if(NOT COMMAND hodei_add_plugin)
  message(FATAL_ERROR "hodei_add_plugin missing")
endif()
message(STATUS "HODEI_INCLUDE=${inc}")
CM
if cmake -S "$tmp/consumer" -B "$tmp/consumer/build" -DCMAKE_PREFIX_PATH="$root/usr" -DHodeiPluginApi_DIR="$cmake_dir" \
    >"$tmp/consumer.log" 2>&1 && grep -q "HODEI_INCLUDE=$root/usr/include" "$tmp/consumer.log"; then
  ok "find_package(HodeiPluginApi) from the extracted tree"
else
  cat "$tmp/consumer.log"; fail "find_package(HodeiPluginApi) from the extracted tree"
fi

# The C example plugin, built from the packaged sources against the packaged SDK, loads in the packaged worker.
c_example=$root/usr/share/doc/hodei-plugin-dev/examples/c-executor
if [ -f "$c_example/CMakeLists.txt" ] && command -v cc >/dev/null; then
  if cmake -S "$c_example" -B "$tmp/c-example" -DCMAKE_PREFIX_PATH="$root/usr" >"$tmp/c-example.log" 2>&1 &&
      cmake --build "$tmp/c-example" >>"$tmp/c-example.log" 2>&1; then
    so=$(find "$tmp/c-example" -maxdepth 1 -name '*.so' -print -quit)
    mkdir "$tmp/c-plugins" && cp "$so" "$tmp/c-plugins/"
    if "$worker" --plugin-dir "$tmp/c-plugins" plugins list --json >"$tmp/c-list.json" 2>&1 &&
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if len(d["plugins"]) == 1 and not d["refused"] else 1)' \
          "$tmp/c-list.json"; then
      ok "examples/c-executor builds against hodei-plugin-dev and loads in the packaged worker"
    else
      cat "$tmp/c-list.json"; fail "the c-executor example does not load"
    fi
  else
    cat "$tmp/c-example.log"; fail "the c-executor example does not build against the extracted hodei-plugin-dev"
  fi
fi

# --- the packaged unit -----------------------------------------------------------------------------------------------
if command -v systemd-analyze >/dev/null; then
  bash "$verify_unit" "$root/usr/lib/systemd/system/hodei-worker.service" "$worker" || fail "systemd-analyze verify"
else
  echo "note: systemd-analyze not installed: unit not verified"
fi

echo
echo "== $(basename "$worker_deb")"; sed 's/^/  /' "$tmp/worker.list"
echo "== $(basename "$dev_deb")"; sed 's/^/  /' "$tmp/dev.list"
if [ $failures -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all package checks passed"
