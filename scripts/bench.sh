#!/usr/bin/env bash
# Benchmarks (never part of ctest). Each prints its figures beside a baseline measured in the same run.
#   scripts/bench.sh agent [BUILD_DIR]       # hodei-worker serve + hodei-devserver: dispatch, latency, log throughput,
#                                            # RSS (bench/agent/run.sh; BUILD_DIR default build/release)
#   scripts/bench.sh artifacts [BUILD_DIR]   # S3 artifact plugin vs aws s3 cp (bench/artifacts/run.sh)
#   scripts/bench.sh cache                   # cache-hit verification vs sha256sum (bench/artifacts/cache_verify.sh)
# Build first (scripts/build.sh release). Sizes are tuned by the environment variables each script documents.
set -euo pipefail
cd "$(dirname "$0")/.."
section="${1:-agent}"
shift || true
case "$section" in
  agent)
    # agent: JOBS (2000), LATENCY_RUNS (200), LOG_MIB (1024), LOG_SYNC (fsync|os)
    exec bench/agent/run.sh "$@"
    ;;
  artifacts)
    exec bench/artifacts/run.sh "$@"
    ;;
  cache)
    exec bench/artifacts/cache_verify.sh "$@"
    ;;
  *)
    echo "usage: scripts/bench.sh agent|artifacts|cache [BUILD_DIR]" >&2
    exit 2
    ;;
esac
