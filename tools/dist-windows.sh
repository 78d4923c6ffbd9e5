#!/bin/sh
# `make dist-windows` (issue 14): WIN_BUILD/vpndiag-VERSION-win64.zip holding vpndiag.exe, a
# README for Windows users (docs/README-windows.txt, CRLF line ends) and the licence texts of
# OpenSSL and json-c, which the .exe contains; then its SHA-256 (the .zip.sha256 file).
# Every file's time is the last commit's (or SOURCE_DATE_EPOCH), so a rebuild gives the same zip.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
wb=$(cd "${1:-$here/build-win}" && pwd)
exe="$wb/vpndiag.exe"
[ -f "$exe" ] || { echo "dist-windows: $exe missing (make windows)" >&2; exit 1; }
command -v zip >/dev/null || { echo "dist-windows: zip missing (apt-get install zip)" >&2; exit 1; }
version=$(sed -n 's/^project(vpndiag VERSION \([0-9.]*\).*/\1/p' "$here/CMakeLists.txt")
src="$wb/deps/src"
openssl_lic=$(ls -d "$src"/openssl-*/LICENSE.txt 2>/dev/null | head -n 1)
jsonc_lic=$(ls -d "$src"/json-c-*/COPYING 2>/dev/null | head -n 1)
[ -n "$openssl_lic" ] && [ -n "$jsonc_lic" ] || { echo "dist-windows: the licence texts of OpenSSL / json-c are missing under $src (tools/win-deps.sh)" >&2; exit 1; }
name="vpndiag-$version-win64"
stage="$wb/dist/$name"
rm -rf "$wb/dist" && mkdir -p "$stage"
cp "$exe" "$stage/vpndiag.exe"
crlf() { sed 's/$/\r/' "$1" >"$2"; }
crlf "$here/docs/README-windows.txt" "$stage/README.txt"
crlf "$openssl_lic" "$stage/LICENSE-OpenSSL.txt"
crlf "$jsonc_lic" "$stage/LICENSE-json-c.txt"
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$here" log -1 --format=%ct 2>/dev/null || date +%s)}
find "$stage" -exec touch -d "@$epoch" {} +
zipf="$wb/$name.zip"
rm -f "$zipf"
(cd "$wb/dist" && TZ=UTC zip -X -q -r "$zipf" "$name")
(cd "$wb" && sha256sum "$name.zip" >"$name.zip.sha256")
rm -rf "$wb/dist"
echo "dist-windows: $zipf ($(wc -c <"$zipf") bytes)"
cat "$wb/$name.zip.sha256"
