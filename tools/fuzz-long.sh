#!/bin/sh
# Runs every libFuzzer target for a while (make fuzz-long FUZZ_MINUTES=N; default 30 minutes each),
# one after the other, in the ASan/UBSan clang build, each with its in-tree seed corpus and a
# working corpus under BUILD/fuzz-corpus/. Prints one line per target: executions, exec/s,
# coverage, and whether it crashed (crash files land in BUILD/fuzz-artifacts/). FUZZ_ONLY=regex
# limits the targets.
set -eu
build=${1:-build-asan}
minutes=${FUZZ_MINUTES:-30}
only=${FUZZ_ONLY:-.}
here=$(cd "$(dirname "$0")/.." && pwd)
secs=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')
mkdir -p "$build/fuzz-artifacts" "$build/fuzz-logs"
printf '%-28s %12s %10s %8s %s\n' target execs exec/s cov result
fail=0
for bin in "$build"/tests/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  echo "$name" | grep -Eq "$only" || continue
  work="$build/fuzz-corpus/$name"
  mkdir -p "$work"
  log="$build/fuzz-logs/$name.log"
  if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$build/fuzz-artifacts/$name-" "$work" "$here/tests/fuzz/corpus/$name" >"$log" 2>&1; then
    result=ok
  else
    result="CRASH (see $log)"; fail=1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  printf '%-28s %12s %10s %8s %s\n' "$name" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$result"
done
exit $fail
