#!/usr/bin/env bash
# Configures and builds Hodei Worker with a CMake preset (default: dev). Installs the build dependencies first
# unless HODEI_SKIP_DEPS=1.
#   scripts/build.sh [preset] [extra cmake --build args...]
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-dev}"
shift || true
if [ "${HODEI_SKIP_DEPS:-0}" != 1 ]; then
  if [ "$(id -u)" -eq 0 ]; then scripts/install-deps.sh build; else sudo scripts/install-deps.sh build; fi
fi
# ccache, when installed, makes rebuilds of other presets and clones cheap; it is not a dependency.
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake --preset "$preset" "${launcher[@]}" >/dev/null
cmake --build --preset "$preset" "$@"
