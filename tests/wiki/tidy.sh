#!/bin/sh
# Every page of the built wiki passes `tidy -q -e` with neither errors nor warnings.
# usage: tidy.sh SITE          (exit 77: tidy is not installed)
set -u
site=${1:?usage: tidy.sh SITE}
if ! command -v tidy >/dev/null 2>&1; then
  echo "SKIPPED: tidy is not installed (apt-get install tidy, or make deps)"
  exit 77
fi
n=0 bad=0
for f in $(find "$site" -name '*.html' | sort); do
  n=$((n + 1))
  out=$(tidy -q -e "$f" 2>&1)
  rc=$?
  if [ "$rc" -ne 0 ] || [ -n "$out" ]; then
    bad=$((bad + 1))
    echo "== ${f#"$site"/} (tidy exit $rc)"
    echo "$out" | head -20
  fi
done
echo "$n pages checked with $(tidy -v), $bad with errors or warnings"
[ "$n" -gt 0 ] && [ "$bad" -eq 0 ]
