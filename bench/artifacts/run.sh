#!/usr/bin/env bash
# Uploads and downloads of one file through the S3 artifact plugin against `aws s3 cp`, on the same S3 server in
# the same run. Not a test: writes one result row per direction (bench/report.py; to $BENCH_ROWS, or stdout), MB/s
# (10^6 bytes/s) of each and the plugin/CLI ratio.
#
#   bench/artifacts/run.sh [BUILD_DIR]     # default build/release: lib/hodei/plugins/libhodei-artifact-s3.so and
#                                          # bin/hodei-bench-artifact
#
# Uses the server of HODEI_TEST_S3_ENDPOINT/_ACCESS_KEY/_SECRET_KEY/_REGION when set (source an s3.env); otherwise
# starts one with scripts/services/s3.sh (root) in a temp folder and stops it at the end — except under
# BENCH_SMOKE=1, where the rows are marked skipped instead.
# ARTIFACT_MB (or SIZE_MB; default 1024 MiB; 4 under BENCH_SMOKE=1) and PLUGIN_CONFIG_EXTRA (JSON members, e.g.
# '"max_parallel_parts": 8') tune it.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
build_dir="${1:-build/release}"
bench_need "$build_dir" lib/hodei/plugins/libhodei-artifact-s3.so bin/hodei-bench-artifact
plugin="$build_dir/lib/hodei/plugins/libhodei-artifact-s3.so"
size_mib="${ARTIFACT_MB:-${SIZE_MB:-$(bench_smoke && echo 4 || echo 1024)}}"
if [ -z "${HODEI_TEST_S3_ENDPOINT:-}" ] && bench_smoke; then
  for op in upload download; do bench_skip artifacts "S3 $op" "no S3 server (HODEI_TEST_S3_ENDPOINT unset)"; done
  exit 0
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/hodei-bench.XXXXXX")"
started_s3=""
cleanup() {
  if [ -n "$started_s3" ]; then scripts/services/s3.sh stop "$work/s3" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${HODEI_TEST_S3_ENDPOINT:-}" ]; then
  # shellcheck disable=SC1090
  source "$(scripts/services/s3.sh start "$work/s3" 2>/dev/null | tail -1)"
  started_s3=1
fi
export AWS_ACCESS_KEY_ID="$HODEI_TEST_S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$HODEI_TEST_S3_SECRET_KEY"
export AWS_DEFAULT_REGION="${HODEI_TEST_S3_REGION:-us-east-1}" AWS_CONFIG_FILE=/dev/null
export AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true AWS_PAGER=""
unset AWS_PROFILE AWS_SESSION_TOKEN
aws_cli=/usr/bin/aws; [ -x "$aws_cli" ] || aws_cli=aws
s3() { "$aws_cli" --endpoint-url "$HODEI_TEST_S3_ENDPOINT" "$@"; }

echo "generating $size_mib MiB of random data..." >&2
head -c "$((size_mib << 20))" /dev/urandom >"$work/data.bin"
sha="$(sha256sum "$work/data.bin" | cut -d' ' -f1)"
bytes="$(stat -c %s "$work/data.bin")"
bucket="hodei-bench-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
s3 s3 mb "s3://$bucket" >/dev/null
config="{\"endpoint\": \"$HODEI_TEST_S3_ENDPOINT\", \"region\": \"$AWS_DEFAULT_REGION\", \"access_key\": \"$AWS_ACCESS_KEY_ID\", \"secret_key\": \"$AWS_SECRET_ACCESS_KEY\"${PLUGIN_CONFIG_EXTRA:+, $PLUGIN_CONFIG_EXTRA}}"

now() { date +%s.%N; }
rate() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.1f", b / s / 1e6 }'; }
timed() { local t0 t1; t0=$(now); "$@" >/dev/null; t1=$(now); awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'; }

sync
plugin_put=$(timed "$build_dir/bin/hodei-bench-artifact" "$plugin" "$config" put "$work/data.bin" "s3://$bucket/plugin.bin" "$sha")
plugin_get=$(timed "$build_dir/bin/hodei-bench-artifact" "$plugin" "$config" get "s3://$bucket/plugin.bin" "$work/plugin-out.bin")
[ "$(sha256sum "$work/plugin-out.bin" | cut -d' ' -f1)" = "$sha" ] || { echo "plugin download: SHA-256 differs" >&2; exit 1; }
rm -f "$work/plugin-out.bin"
s3 s3 rm "s3://$bucket/plugin.bin" >/dev/null

cli_put=$(timed s3 s3 cp --only-show-errors "$work/data.bin" "s3://$bucket/cli.bin")
cli_get=$(timed bash -c "'$aws_cli' --endpoint-url '$HODEI_TEST_S3_ENDPOINT' s3 cp --only-show-errors 's3://$bucket/cli.bin' '$work/cli-out.bin' && sync '$work/cli-out.bin'")
[ "$(sha256sum "$work/cli-out.bin" | cut -d' ' -f1)" = "$sha" ] || { echo "aws download: SHA-256 differs" >&2; exit 1; }
s3 s3 rb --force "s3://$bucket" >/dev/null

for op in upload download; do
  if [ $op = upload ]; then p=$plugin_put; c=$cli_put; else p=$plugin_get; c=$cli_get; fi
  bench_row section=artifacts benchmark="S3 $op, $size_mib MiB" figure="$(rate "$p")" unit=MB/s better=higher \
    baseline="aws s3 cp" baseline_figure="$(rate "$c")" \
    note="plugin ${p} s, aws ${c} s; config defaults${PLUGIN_CONFIG_EXTRA:+ + $PLUGIN_CONFIG_EXTRA}"
done
