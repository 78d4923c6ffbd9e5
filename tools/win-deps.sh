#!/bin/sh
# Groundwork of the Windows build (issue 14): installs the cross tool chain
# (tools/packages-win.txt), fetches Debian's source packages of OpenSSL and json-c, and builds
# them as static mingw-w64 libraries into one prefix (lib/, include/).
#   WIN_DEPS_SRC     cache of the source packages   (default build-win/deps/src)
#   WIN_DEPS_PREFIX  the static libraries' prefix    (default build-win/deps/prefix)
#   OPENSSL_VERSION, JSONC_VERSION   the Debian source versions (pinned below)
# Idempotent: a stamp per library (holding its version) under the prefix skips what is built.
# A deb-src entry is added only when the machine has none: it copies the URIs of the machine's
# own Debian entries at run time (no host name is written into the project).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
src=${WIN_DEPS_SRC:-$here/build-win/deps/src}
prefix=${WIN_DEPS_PREFIX:-$here/build-win/deps/prefix}
build=$(dirname "$prefix")/build
openssl_version=${OPENSSL_VERSION:-3.0.20-1~deb12u2}
jsonc_version=${JSONC_VERSION:-0.16-2}
cmocka_version=${CMOCKA_VERSION:-1.1.5-2.1}
# SHA-256 of each pinned upstream tarball, checked after apt-get source (which already checks the
# files against the signed Sources index): a pin means these exact bytes. Emptied when a version
# is overridden (the signed index alone then vouches for the files).
openssl_sha256=c80a01dfc70ece4dc21168932c37739042d404d46ccc81a5986dd75314ecda6f
jsonc_sha256=3ecaeedffd99a60b1262819f9e60d7d983844073abc74e495cb822b251904185
cmocka_sha256=f0ccd8242d55e2fd74b16ba518359151f6f8383ff8aef4976e48393f77bba8b6
[ -z "${OPENSSL_VERSION:-}" ] || openssl_sha256=
[ -z "${JSONC_VERSION:-}" ] || jsonc_sha256=
[ -z "${CMOCKA_VERSION:-}" ] || cmocka_sha256=
triple=x86_64-w64-mingw32
jobs=$(nproc 2>/dev/null || echo 2)
srcfile=/etc/apt/sources.list.d/vpndiag-src.sources
apt_opts="-o Acquire::Retries=2 -o Acquire::http::Timeout=60 -o Acquire::https::Timeout=60"

die() { echo "win-deps: $*" >&2; exit 1; }
say() { echo "win-deps: $*"; }
need_root() { [ "$(id -u)" = 0 ] || die "$1; run as root"; }

# 1. Packages.
missing=""
for p in $(grep -v '^#' "$here/tools/packages-win.txt"); do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  need_root "missing packages:$missing"
  say "installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq $apt_opts || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends $apt_opts $missing >/dev/null \
    || die "apt-get install failed:$missing"
fi

# 2. A deb-src entry, derived from the configured Debian entries when there is none.
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$codename" ] || die "no VERSION_CODENAME in /etc/os-release"
has_debsrc() {
  grep -Eqs '^[[:space:]]*deb-src[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list && return 0
  grep -Eqs '^Types:.*deb-src' /etc/apt/sources.list.d/*.sources
}
# deb822 stanzas with Types: deb whose suites are this release's (codename, codename-*),
# with Types turned into deb-src. Other repositories (vendors' own) are left out.
derive_deb822() {
  awk -v cn="$codename" '
    function flush() {
      if (n && isdeb && suiteok) { for (i = 1; i <= n; i++) print lines[i]; print "" }
      n = 0; isdeb = 0; suiteok = 0
    }
    /^[[:space:]]*$/ { flush(); next }
    /^#/ { next }
    /^Types:/ { isdeb = ($0 ~ /[[:space:]]deb([[:space:]]|$)/); lines[++n] = "Types: deb-src"; next }
    /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == cn || index($i, cn "-") == 1) suiteok = 1 }
    /^Enabled:[[:space:]]*no/ { isdeb = 0 }
    { lines[++n] = $0 }
    END { flush() }' "$@"
}
# One-line entries: "deb [opts] URI SUITE COMPONENTS..." turned into a deb822 stanza.
derive_oneline() {
  awk -v cn="$codename" '
    $1 == "deb" {
      i = 2; opts = ""
      if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) { opts = opts " " $i; i++ } opts = opts " " $i; i++ }
      uri = $i; suite = $(i + 1)
      if (!(suite == cn || index(suite, cn "-") == 1)) next
      comps = ""; for (j = i + 2; j <= NF; j++) comps = comps " " $j
      print "Types: deb-src"; print "URIs: " uri; print "Suites: " suite; print "Components:" comps
      if (match(opts, /signed-by=[^] ]+/)) print "Signed-By: " substr(opts, RSTART + 10, RLENGTH - 10)
      print ""
    }' "$@"
}
if ! has_debsrc; then
  need_root "no deb-src entry in the apt sources"
  tmp=$(mktemp)
  for f in /etc/apt/sources.list.d/*.sources; do [ -f "$f" ] && derive_deb822 "$f"; done >"$tmp"
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do [ -f "$f" ] && derive_oneline "$f"; done >>"$tmp"
  grep -q '^URIs:' "$tmp" || { rm -f "$tmp"; die "no Debian $codename entry found to derive a deb-src entry from"; }
  { echo "# Written by vpndiag's tools/win-deps.sh: deb-src twins of this machine's $codename entries."; cat "$tmp"; } >"$srcfile"
  rm -f "$tmp"
  say "added $srcfile"
  apt-get update -qq $apt_opts || die "apt-get update failed after adding $srcfile"
fi
if ! apt-cache showsrc openssl 2>/dev/null | grep -q '^Package:'; then
  need_root "no source index (apt-get update needed)"
  apt-get update -qq $apt_opts || die "apt-get update failed"
fi

# 3. Sources: apt-get source checks each file against the signed Sources index, then unpacks
# with Debian's patches applied. $1 package, $2 version; prints the unpacked folder.
fetch() {
  upstream=${2#*:}; upstream=${upstream%-*}
  dir="$src/$1-$upstream"
  if [ ! -f "$dir/.vpndiag-$2" ]; then
    mkdir -p "$src"
    rm -rf "$dir"
    (cd "$src" && apt-get source -qq $apt_opts "$1=$2" >"$src/$1.log" 2>&1) \
      || die "apt-get source $1=$2 failed (see $src/$1.log; the archive may no longer have it: set ${3}=VERSION from 'apt-cache showsrc $1')"
    [ -d "$dir" ] || die "apt-get source $1=$2 did not unpack $dir"
    if [ -n "$4" ]; then
      got=$(sha256sum "$src/$1_$upstream".orig.tar.* | grep -v '\.asc$' | awk '{print $1}' | head -n 1)
      [ "$got" = "$4" ] || die "$1 $upstream: the source tarball's SHA-256 is $got, the pin is $4"
    fi
    touch "$dir/.vpndiag-$2"
  fi
  echo "$dir"
}

command -v $triple-gcc >/dev/null || die "$triple-gcc not found"
mkdir -p "$prefix" "$build"

# 4. OpenSSL: static libraries only, no tests, headers and libs via install_dev.
# OPENSSLDIR (where libssl looks for openssl.cnf at start-up), ENGINESDIR and MODULESDIR are
# compiled into the .exe. Configure would make them the build machine's paths (on Windows
# "/usr/local/ssl" means C:\usr\local\ssl, a folder any user can create and fill), so the
# build sets them to folders under Program Files, which only administrators can write.
winssl="C:/Program Files/Common Files/SSL"
winlib="C:/Program Files/OpenSSL/lib"
if [ "$(cat "$prefix/.stamp-openssl" 2>/dev/null)" != "$openssl_version no-module" ]; then
  dir=$(fetch openssl "$openssl_version" OPENSSL_VERSION "$openssl_sha256")
  b="$build/openssl"
  rm -rf "$b" && mkdir -p "$b"
  say "building OpenSSL $openssl_version (minutes; log in $b/build.log)"
  # no-module: the legacy provider (MD4 and DES, for EAP-MSCHAPv2) is built into libcrypto.a
  # instead of a legacy.dll the single .exe would have to carry.
  (cd "$b" && "$dir/Configure" mingw64 no-shared no-module no-tests \
      --cross-compile-prefix=$triple- --prefix="$prefix" --libdir=lib >build.log 2>&1) \
    || die "OpenSSL Configure failed (see $b/build.log)"
  (cd "$b" && timeout 3600 make -j"$jobs" build_libs OPENSSLDIR="$winssl" \
      ENGINESDIR="$winlib/engines-3" MODULESDIR="$winlib/ossl-modules" >>build.log 2>&1) || die "OpenSSL build failed (see $b/build.log)"
  (cd "$b" && timeout 600 make install_dev >>build.log 2>&1) || die "OpenSSL install_dev failed (see $b/build.log)"
  [ -f "$prefix/lib/libcrypto.a" ] && [ -f "$prefix/lib/libssl.a" ] || die "OpenSSL installed no libcrypto.a/libssl.a"
  echo "$openssl_version no-module" >"$prefix/.stamp-openssl"
fi

# 5. json-c: CMake with the project's toolchain file, static, no tests, no apps.
if [ "$(cat "$prefix/.stamp-json-c" 2>/dev/null)" != "$jsonc_version" ]; then
  dir=$(fetch json-c "$jsonc_version" JSONC_VERSION "$jsonc_sha256")
  b="$build/json-c"
  rm -rf "$b"
  say "building json-c $jsonc_version (log in $b/build.log)"
  mkdir -p "$b"
  VPNDIAG_WIN_PREFIX="$prefix" cmake -S "$dir" -B "$b" \
      -DCMAKE_TOOLCHAIN_FILE="$here/cmake/mingw-w64.cmake" -DVPNDIAG_WIN_PREFIX="$prefix" \
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib \
      -DBUILD_SHARED_LIBS=OFF -DBUILD_STATIC_LIBS=ON -DBUILD_TESTING=OFF -DBUILD_APPS=OFF \
      -DDISABLE_WERROR=ON >"$b/build.log" 2>&1 || die "json-c configure failed (see $b/build.log)"
  timeout 1200 cmake --build "$b" -j "$jobs" >>"$b/build.log" 2>&1 || die "json-c build failed (see $b/build.log)"
  cmake --install "$b" >>"$b/build.log" 2>&1 || die "json-c install failed (see $b/build.log)"
  [ -f "$prefix/lib/libjson-c.a" ] || die "json-c installed no libjson-c.a"
  echo "$jsonc_version" >"$prefix/.stamp-json-c"
fi
# 6. cmocka: only for the unit tests that run under Wine (ctest), static.
if [ "$(cat "$prefix/.stamp-cmocka" 2>/dev/null)" != "$cmocka_version" ]; then
  dir=$(fetch cmocka "$cmocka_version" CMOCKA_VERSION "$cmocka_sha256")
  b="$build/cmocka"
  rm -rf "$b"
  say "building cmocka $cmocka_version (log in $b/build.log)"
  mkdir -p "$b"
  VPNDIAG_WIN_PREFIX="$prefix" cmake -S "$dir" -B "$b" \
      -DCMAKE_TOOLCHAIN_FILE="$here/cmake/mingw-w64.cmake" -DVPNDIAG_WIN_PREFIX="$prefix" \
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib \
      -DBUILD_SHARED_LIBS=OFF -DWITH_STATIC_LIB=ON -DWITH_EXAMPLES=OFF -DUNIT_TESTING=OFF \
      >"$b/build.log" 2>&1 || die "cmocka configure failed (see $b/build.log)"
  timeout 1200 cmake --build "$b" -j "$jobs" >>"$b/build.log" 2>&1 || die "cmocka build failed (see $b/build.log)"
  cmake --install "$b" >>"$b/build.log" 2>&1 || die "cmocka install failed (see $b/build.log)"
  # The static archive under the name -lcmocka finds (cmocka.pc), and no DLL import library.
  [ -f "$prefix/lib/libcmocka-static.a" ] || die "cmocka installed no static library"
  mv "$prefix/lib/libcmocka-static.a" "$prefix/lib/libcmocka.a"
  rm -f "$prefix/lib/libcmocka.dll.a" "$prefix/bin/libcmocka.dll"
  echo "$cmocka_version" >"$prefix/.stamp-cmocka"
fi
say "ready: $prefix (OpenSSL $openssl_version, json-c $jsonc_version, cmocka $cmocka_version)"
