#!/bin/sh
# CI: installs the package that make deb built (dpkg -i), checks that it runs and that its files
# are where Debian and systemd expect them, then purges it. Services never start here
# (policy-rc.d). Usage (root): tools/deb-check.sh PATH.deb
set -eu
deb=$(readlink -f "${1:?usage: deb-check.sh PATH.deb}")
[ "$(id -u)" = 0 ] || { echo "deb-check: needs root (dpkg -i)" >&2; exit 77; }
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && created_policy=1
fi
cleanup() {
  dpkg --purge vpndiag >/dev/null 2>&1 || true
  [ "$created_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  return 0
}
trap cleanup EXIT
fail() { echo "deb-check: FAIL: $*" >&2; exit 1; }
dpkg -i "$deb" >/dev/null || fail "dpkg -i $deb"
/usr/bin/vpndiag --version | grep -q '^vpndiag ' || fail "vpndiag --version"
/usr/bin/vpndiag explain 809 | grep -q 809 || fail "vpndiag explain 809"
[ -s /usr/share/man/man1/vpndiag.1.gz ] || fail "no man page"
[ -s /usr/share/bash-completion/completions/vpndiag ] || fail "no bash completion"
[ -s /usr/share/doc/vpndiag/wiki/errors/809.html ] || fail "no wiki"
for unit in /lib/systemd/system/vpndiag-exporter.service /usr/lib/systemd/system/vpndiag-exporter.service; do
  [ -f "$unit" ] || continue
  command -v systemd-analyze >/dev/null || fail "systemd-analyze missing"
  systemd-analyze verify "$unit" || fail "systemd-analyze verify $unit"
  echo "deb-check: $unit verified"
done
echo "deb-check: $(dpkg-query -W -f='${Package} ${Version}' vpndiag) installs and runs"
