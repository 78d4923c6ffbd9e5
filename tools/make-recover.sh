#!/bin/sh
# CI: the Makefile recovers from a failed configure (issue 17). A configure that fails (here: a
# compiler that does not exist, as when the dependencies are missing) must leave no CMakeCache.txt
# behind and say in one line what to run; the next configure of the same folder then succeeds.
set -eu
cd "$(dirname "$0")/.."
b=build-recover-test
rm -rf "$b" "$b.configure.log"
trap 'rm -rf "$b" "$b.configure.log" "$b.err"' EXIT
if make "$b/Makefile" BUILD="$b" CC=/nonexistent/cc >/dev/null 2>"$b.err"; then
  echo "make-recover: FAIL: configure with a missing compiler succeeded" >&2; exit 1
fi
grep -q "tools/deps.sh" "$b.err" || { echo "make-recover: FAIL: no hint to run tools/deps.sh:" >&2; cat "$b.err" >&2; exit 1; }
[ ! -e "$b/CMakeCache.txt" ] || { echo "make-recover: FAIL: a CMakeCache.txt was left behind" >&2; exit 1; }
rm -f "$b.err"
make "$b/Makefile" BUILD="$b" >/dev/null || { echo "make-recover: FAIL: the second configure failed" >&2; exit 1; }
[ -f "$b/Makefile" ] || { echo "make-recover: FAIL: no $b/Makefile" >&2; exit 1; }
echo "make-recover: a failed configure left nothing behind and the next one worked"
