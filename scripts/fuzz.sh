#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (preset "fuzz": clang, ASan + UBSan) and runs each one for a while on a copy
# of its seed corpus. Fails when any target finds a crash, a leak, undefined behaviour, a timeout or an
# out-of-memory, and prints the reproducer's path. docs/fuzzing.md has the long-run command and how a reproducer
# becomes a regression test.
#
#   scripts/fuzz.sh                      # every target, 10 s each
#   scripts/fuzz.sh 600 s3_xml job_spec  # the named targets, 10 minutes each
#   scripts/fuzz.sh --merge 3600         # and merge what they found (new coverage only) into fuzz/corpus/
#
# Never writes into the repository unless --merge is given. Work folders (corpus copies, logs, reproducers) are
# under $HODEI_FUZZ_WORK (default: a fresh /tmp/hodei-fuzz.XXXXXX, removed when every target passed).
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(job_spec worker_config worker_protocol devserver_protocol docker_demux s3_xml)
merge=0
seconds=10
targets=()
for arg in "$@"; do
  case "$arg" in
    --merge) merge=1 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    ''|*[!0-9]*)
      if [[ " ${all_targets[*]} " != *" $arg "* ]]; then
        echo "fuzz.sh: unknown target '$arg' (expected one of: ${all_targets[*]})" >&2; exit 2
      fi
      targets+=("$arg") ;;
    *) seconds="$arg" ;;
  esac
done
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")

# libFuzzer's runtime comes with clang (Debian: libclang-rt-14-dev, installed by scripts/install-deps.sh).
build_start=$SECONDS
HODEI_SKIP_DEPS=1 scripts/build.sh fuzz # the build preset builds only the fuzz targets
echo "fuzz.sh: fuzz targets built in $((SECONDS - build_start)) s"

# The devserver target writes a small data folder per input under $TMPDIR: a tmpfs makes it about 3x faster.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then export TMPDIR=/dev/shm; fi
work="${HODEI_FUZZ_WORK:-$(mktemp -d /tmp/hodei-fuzz.XXXXXX)}"
mkdir -p "$work"
failed=()
for t in "${targets[@]}"; do
  mkdir -p "$work/$t/corpus" "$work/$t/crashes"
  cp -r "fuzz/corpus/$t/." "$work/$t/corpus/"
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$work/$t/crashes/")
  [ -f "fuzz/dict/$t.dict" ] && args+=(-dict="fuzz/dict/$t.dict")
  corpora=("$work/$t/corpus") # libFuzzer adds new inputs to the first folder: the copy
  [ -d "fuzz/regressions/$t" ] && corpora+=("fuzz/regressions/$t")
  echo "fuzz.sh: $t for ${seconds} s"
  if build/fuzz/bin/fuzz_"$t" "${args[@]}" "${corpora[@]}" >"$work/$t/log" 2>&1; then
    grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$work/$t/log" | tr '\n' ' ' | sed "s/^/fuzz.sh: $t passed: /"
    echo
  else
    failed+=("$t")
    echo "fuzz.sh: $t FAILED; last lines of $work/$t/log:"
    tail -n 40 "$work/$t/log"
    for r in "$work/$t/crashes"/*; do
      [ -e "$r" ] && echo "fuzz.sh: reproducer: $r  (replay: build/fuzz/bin/fuzz_$t $r)"
    done
  fi
  if [ $merge -eq 1 ]; then
    build/fuzz/bin/fuzz_"$t" -merge=1 "fuzz/corpus/$t" "$work/$t/corpus" >"$work/$t/merge.log" 2>&1
    echo "fuzz.sh: $t: merged into fuzz/corpus/$t ($(find "fuzz/corpus/$t" -type f | wc -l) files)"
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: FAILED: ${failed[*]} (work folder kept: $work; docs/fuzzing.md says how to add a regression)"
  exit 1
fi
[ -z "${HODEI_FUZZ_WORK:-}" ] && rm -rf "$work"
echo "fuzz.sh: all ${#targets[@]} target(s) passed"
