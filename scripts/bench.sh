#!/bin/sh
# Runs the benchmarks and prints the performance table of
# docs/performance.md: every benchmark of the packages (BenchmarkPlanLinear
# fails when planning grows faster than the set), then the end-to-end ones
# against the emulator, whose "TABLE | case | measured | goal" log lines
# become the table's rows. Fails when a benchmark fails.
#
# GO, BENCHTIME, REGSYNC_BENCH_SIZES (plan and local-apply sizes, default
# 1000), REGSYNC_BENCH_APPS (throttled apply sizes, default 1000) and
# REGSYNC_BENCH_LATENCY (default 50ms) come from the environment.
set -u
GO=${GO:-go}
BENCHTIME=${BENCHTIME:-1x}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
pkgs=$($GO list ./... | grep -v /e2e)
# shellcheck disable=SC2086
$GO test -run '^$' -bench . -benchtime "$BENCHTIME" $pkgs >"$out" 2>&1 || status=1
cat "$out"
e2e=$(mktemp)
trap 'rm -f "$out" "$e2e"' EXIT
$GO test -run '^$' -bench 'PlanScale|ApplyLocal|ApplyThrottled' -benchtime 1x -timeout 60m ./e2e >"$e2e" 2>&1 || status=1
cat "$e2e"
echo
echo "| case | measured | goal |"
echo "|---|---|---|"
sed -n 's/.*TABLE | \(.*\)$/| \1 |/p' "$out" "$e2e"
if [ "$status" -ne 0 ]; then
  echo "bench: a benchmark failed (see above)" >&2
fi
exit "$status"
