#!/usr/bin/env bash
# Static checks, all fatal: no ';' in a Catch test name, clang-format (the repo's .clang-format) over every tracked
# C and C++ file, then clang-tidy (the repo's .clang-tidy; every check an error) over the translation units of the
# product: host/, plugin-api/, plugins/, devserver/ and proto/. `--all` adds tests/, fuzz/, bench/ and examples/.
# clang-tidy reads the dev build's compile_commands.json (generated protobuf headers included), so this builds the
# dev preset first when it is missing.
#
#   scripts/lint.sh          # what CI runs
#   scripts/lint.sh --all    # also the tests, fuzz targets, benchmarks and examples
set -euo pipefail
cd "$(dirname "$0")/.."

folders="host|plugin-api|plugins|devserver|proto"
case "${1:-}" in
  "") ;;
  --all) folders="$folders|tests|fuzz|bench|examples" ;;
  -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
  *) echo "lint.sh: unknown argument '$1' (expected --all or nothing)" >&2; exit 2 ;;
esac

# catch_discover_tests hands test names to CMake as a list: a ';' in a name splits its ctest entry in two, and
# neither half matches a test case.
if git grep -nE 'TEST_CASE\("[^"]*;' -- tests; then
  echo "lint.sh: the test names above contain ';', which splits their ctest entries; use a comma" >&2
  exit 1
fi

echo "lint.sh: clang-format"
mapfile -t sources < <(git ls-files '*.c' '*.h' '*.cpp' '*.hpp')
if ! clang-format --dry-run --Werror "${sources[@]}"; then
  echo "lint.sh: the files above are not formatted; fix with: clang-format -i FILE" >&2
  exit 1
fi

build=build/dev
if [ ! -f "$build/compile_commands.json" ] || [ ! -d "$build/proto" ]; then HODEI_SKIP_DEPS=1 scripts/build.sh dev; fi
echo "lint.sh: clang-tidy over $folders ($(nproc) jobs)"
start=$SECONDS
# run-clang-tidy takes a regular expression over the absolute paths in compile_commands.json; generated files under
# build/ never match it.
if ! run-clang-tidy -p "$build" -quiet -j "$(nproc)" "^$PWD/($folders)/" >"$build/clang-tidy.log" 2>&1; then
  grep -E "(warning|error):" "$build/clang-tidy.log" | sort -u >&2 || true
  echo "lint.sh: clang-tidy found the problems above (full output: $build/clang-tidy.log)" >&2
  exit 1
fi
echo "lint.sh: clean ($((SECONDS - start)) s)"
