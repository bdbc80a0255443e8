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
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" "$@"
