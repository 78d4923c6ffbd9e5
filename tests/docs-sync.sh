#!/bin/sh
# docs/observations.md must list exactly the observation kinds in src/obs/obs_*.def.
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
sh "$here/tools/gen-observations-doc.sh" >"$tmp" || exit 1
if ! cmp -s "$tmp" "$here/docs/observations.md"; then
  echo "docs/observations.md is out of date: run sh tools/gen-observations-doc.sh > docs/observations.md"
  diff -u "$here/docs/observations.md" "$tmp" | head -40
  exit 1
fi
n=$(grep -c '^OBS_X' "$here"/src/obs/obs_*.def | awk -F: '{s+=$2} END {print s}')
d=$(grep -c '^| `' "$here/docs/observations.md")
[ "$n" = "$d" ] || { echo "$n kinds in src/obs/obs_*.def but $d documented (a kind without a comment?)"; exit 1; }
echo "docs/observations.md lists all $n observation kinds"
