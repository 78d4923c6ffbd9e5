#!/bin/sh
# Smoke test of the Windows build's groundwork (issue 14): cross-compiles tests/win/smoke.c with
# mingw-w64 against the static OpenSSL and json-c of tools/win-deps.sh, runs it under Wine in a
# fresh WINEPREFIX (a temporary folder, removed afterwards) and checks its output.
# Exit 77 (skipped) with the reason when the cross compiler, Wine or the libraries are missing.
#   WIN_DEPS_PREFIX  the libraries' prefix (default build-win/deps/prefix)
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
prefix=${WIN_DEPS_PREFIX:-$here/build-win/deps/prefix}
cc=x86_64-w64-mingw32-gcc
skip() { echo "win smoke: SKIP: $*"; exit 77; }
fail() { echo "win smoke: FAIL: $*" >&2; exit 1; }

command -v "$cc" >/dev/null || skip "$cc not installed (tools/win-deps.sh)"
command -v wine >/dev/null || skip "wine not installed (tools/win-deps.sh)"
for f in lib/libssl.a lib/libcrypto.a lib/libjson-c.a include/openssl/evp.h include/json-c/json.h; do
  [ -f "$prefix/$f" ] || skip "$prefix/$f missing (run tools/win-deps.sh)"
done

tmp=$(mktemp -d)
export WINEPREFIX="$tmp/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
cleanup() {
  [ -d "$WINEPREFIX" ] && timeout 30 wineserver -k 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

exe="$tmp/smoke.exe"
"$cc" -Wall -Wextra -Werror -std=c17 -O2 -static -I"$prefix/include" -o "$exe" "$here/tests/win/smoke.c" \
  -L"$prefix/lib" -ljson-c -lssl -lcrypto -lws2_32 -lcrypt32 -lgdi32 -luser32 -ladvapi32 \
  || fail "cross-compiling smoke.c failed"

# Only system DLLs may be imported: the exe is copied alone onto a Windows PC.
imports=$(x86_64-w64-mingw32-objdump -p "$exe" | sed -n 's/^[[:space:]]*DLL Name: //p' | tr 'A-Z' 'a-z' | sort -u)
for dll in $imports; do
  case $dll in
    kernel32.dll|msvcrt.dll|ws2_32.dll|crypt32.dll|gdi32.dll|user32.dll|advapi32.dll|bcrypt.dll|api-ms-win-*) ;;
    *) fail "smoke.exe imports a non-system DLL: $dll" ;;
  esac
done

# The first run boots the fresh prefix (several seconds); the second is a warm run.
timeout 300 wine "$exe" >"$tmp/stdout" 2>"$tmp/stderr" \
  || fail "smoke.exe failed under wine (exit $?): $(tr -d '\r' <"$tmp/stdout" | grep FAIL) $(tail -n 3 "$tmp/stderr")"
out=$(tr -d '\r' <"$tmp/stdout")
echo "$out"
for want in "OK OpenSSL 3." "OK EC P-256 agreement (32-byte secret)" \
            "OK DH modp_2048 agreement (256-byte secret)" "OK HMAC-SHA256 RFC 4231 test case 1" \
            "OK json-c parse"; do
  echo "$out" | grep -qF "$want" || fail "missing output line: $want"
done
echo "$out" | grep -q '^FAIL' && fail "a check failed"
timeout 60 wine "$exe" >/dev/null 2>&1 || fail "second (warm) run failed"
echo "win smoke: OK ($(wc -c <"$exe") bytes, imports: $(echo $imports))"
