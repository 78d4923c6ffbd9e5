#!/bin/sh
# The Windows build's tests (issue 14), as `make check-windows` runs them:
#  1. the unit tests cross-compiled into WIN_BUILD, run by ctest under Wine, in one WINEPREFIX
#     made for the run (a temporary folder, booted once, removed afterwards);
#  2. the smoke test of the .exe itself (--version, explain 809, wiki build, a bad option), the
#     WinHTTP client's own test (tests/win/http_win.sh), and `local` / `fix` on fixtures
#     (tests/win/local.sh);
#  3. the lab test tests/lab/tests/probe_win.sh: vpndiag.exe under Wine inside the lab's client
#     namespace against the real servers, its JSON verdicts compared with the Linux build's.
# Usage: tools/win-test.sh WIN_BUILD LINUX_VPNDIAG
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
wb=$(cd "${1:?usage: win-test.sh WIN_BUILD LINUX_VPNDIAG}" && pwd)
linux=${2:?usage: win-test.sh WIN_BUILD LINUX_VPNDIAG}
exe="$wb/vpndiag.exe"
[ -f "$exe" ] || { echo "win-test: $exe missing (make windows)" >&2; exit 1; }
command -v wine >/dev/null || { echo "win-test: wine missing (tools/win-deps.sh installs it)" >&2; exit 1; }

tmp=$(mktemp -d)
export WINEPREFIX="$tmp/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
cleanup() {
  timeout 30 wineserver -k 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
t0=$(date +%s)
timeout 120 wineboot -i >/dev/null 2>&1 || { echo "win-test: wineboot failed" >&2; exit 1; }
echo "win-test: Wine prefix booted in $(( $(date +%s) - t0 )) s"

# 1. Unit tests (serial: one wineserver).
(cd "$wb" && ctest --output-on-failure -L win)

# 2. The .exe itself.
fail() { echo "win-test: FAIL: $*" >&2; exit 1; }
# Only system DLLs: the .exe is copied alone onto a Windows PC.
imports=$(x86_64-w64-mingw32-objdump -p "$exe" | sed -n 's/^[[:space:]]*DLL Name: //p' | tr 'A-Z' 'a-z' | sort -u)
for dll in $imports; do
  case $dll in
    kernel32.dll|msvcrt.dll|ws2_32.dll|crypt32.dll|advapi32.dll|user32.dll|iphlpapi.dll|winhttp.dll|bcrypt.dll|wevtapi.dll|shell32.dll|ole32.dll|api-ms-win-*) ;;
    *) fail "vpndiag.exe imports a DLL that is not Windows' own: $dll" ;;
  esac
done
echo "win-test: vpndiag.exe ($(wc -c <"$exe") bytes) imports only system DLLs:" $imports
out=$(wine "$exe" --version | tr -d '\r')
case $out in "vpndiag "*) ;; *) fail "--version said: $out" ;; esac
wine "$exe" explain 809 >"$tmp/809.txt" || fail "explain 809 exited $?"
grep -q '809' "$tmp/809.txt" || fail "explain 809 printed no 809"
"$linux" explain 809 >"$tmp/809.linux.txt"
tr -d '\r' <"$tmp/809.txt" | cmp -s - "$tmp/809.linux.txt" || fail "explain 809 differs from the Linux build's"
rc=0; wine "$exe" probe --no-such-option >/dev/null 2>"$tmp/err.txt" || rc=$?
[ "$rc" = 2 ] || fail "a bad option exited $rc, not 2"
[ "$(tr -d '\r' <"$tmp/err.txt" | wc -l)" -ge 1 ] || fail "a bad option printed no error line"
wine "$exe" wiki build "$tmp/wiki-win" >/dev/null || fail "wiki build exited $?"
"$linux" wiki build "$tmp/wiki-linux" >/dev/null
diff -r -x sitemap.xml "$tmp/wiki-win" "$tmp/wiki-linux" >/dev/null || fail "the wiki differs from the Linux build's"
echo "win-test: the .exe answers --version, explain 809 and wiki build as the Linux build does"

# 2b. The WinHTTP client (net/http_win.c) against HTTP servers on 127.0.0.1 (its own prefix).
rc=0; sh "$here/tests/win/http_win.sh" || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 77 ] || fail "tests/win/http_win.sh exited $rc"

# 2c. `vpndiag local` and `fix` (issue 15) on fixtures: services, registry, phonebooks, events,
# and fix / --undo in a throwaway prefix of their own (tests/win/local.sh).
rc=0; bash "$here/tests/win/local.sh" "$exe" || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 77 ] || fail "tests/win/local.sh exited $rc"

# 3. The lab (it makes its own prefixes, one per namespace; skipped, exit 77, when it cannot run).
rc=0; bash "$here/tests/lab/tests/probe_win.sh" "$linux" "$exe" || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 77 ] || exit "$rc"
