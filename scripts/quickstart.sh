#!/usr/bin/env bash
# The README's first command: builds Hodei Worker if needed, then runs examples/hello.json end to end through the
# shell executor plugin, with live output.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh release
exec build/release/bin/hodei-worker run examples/hello.json "$@"
