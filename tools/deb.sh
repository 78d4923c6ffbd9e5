#!/bin/sh
# make deb: builds the Debian package from the working tree (the files git knows or would add,
# never the build folders) in OUT/deb-src, with dpkg-buildpackage -us -uc -b, and checks it with
# lintian (errors fail; warnings are printed). The .deb lands in OUT/.
# Usage: tools/deb.sh OUT
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-build}" && cd "${1:-build}" && pwd)
for c in dpkg-buildpackage dh lintian; do
  command -v "$c" >/dev/null 2>&1 || { echo "deb: $c is missing; run 'sh tools/deps.sh' as root" >&2; exit 1; }
done
src=$out/deb-src/vpndiag
rm -rf "$out/deb-src"
mkdir -p "$src"
(cd "$here" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) | (cd "$src" && tar -xf -)
(cd "$src" && dpkg-buildpackage -us -uc -b >"$out/deb-build.log" 2>&1) || {
  tail -30 "$out/deb-build.log" >&2; echo "deb: dpkg-buildpackage failed (log: $out/deb-build.log)" >&2; exit 1; }
deb=$(ls "$out"/deb-src/vpndiag_*.deb | head -n 1)
cp "$deb" "$out/"
deb=$out/$(basename "$deb")
lintian --fail-on error --suppress-tags-from-file "$here/debian/lintian-suppress" "$deb" || {
  echo "deb: lintian reports errors for $deb" >&2; exit 1; }
echo "deb: $deb"
