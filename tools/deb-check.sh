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
unit_found=
for unit in /lib/systemd/system/vpndiag-exporter.service /usr/lib/systemd/system/vpndiag-exporter.service; do
  [ -f "$unit" ] || continue
  unit_found=$unit
  command -v systemd-analyze >/dev/null || fail "systemd-analyze missing"
  systemd-analyze verify "$unit" || fail "systemd-analyze verify $unit"
  echo "deb-check: $unit verified"
done
[ -n "$unit_found" ] || fail "no vpndiag-exporter.service"
systemctl is-enabled vpndiag-exporter.service 2>/dev/null | grep -q '^enabled' && fail "the exporter unit is enabled by default" 
# The unit's ExecStart as systemd would run it (no systemd here): an unprivileged user with only
# CAP_NET_RAW (ambient), the packaged config; /metrics answers and a scrape of loopback works.
[ -f /etc/vpndiag/exporter.yml ] || fail "no /etc/vpndiag/exporter.yml"
dpkg-query -W -f='${Conffiles}' vpndiag | grep -q /etc/vpndiag/exporter.yml || fail "exporter.yml is not a conffile"
cmd=$(sed -n 's/^ExecStart=//p' "$unit_found")
port=19515
setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all,+net_raw --ambient-caps=+net_raw \
  $cmd --listen 127.0.0.1:$port 2>/tmp/deb-check-exporter.log &
xpid=$!
ok=0
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  curl -fsS "http://127.0.0.1:$port/metrics" >/dev/null 2>&1 && { ok=1; break; }
  sleep 0.25
done
probe=$(curl -fsS -m 20 "http://127.0.0.1:$port/probe?target=127.0.0.1&module=ikev2" 2>/dev/null || true)
kill "$xpid" 2>/dev/null || true
wait "$xpid" 2>/dev/null || true
[ "$ok" = 1 ] || { cat /tmp/deb-check-exporter.log >&2; fail "the exporter (as the unit runs it) did not answer /metrics"; }
echo "$probe" | grep -q '^vpndiag_probe_success ' || { cat /tmp/deb-check-exporter.log >&2; fail "the exporter's /probe did not answer"; }
echo "deb-check: exporter runs as the unit runs it ($(grep -m1 'listening' /tmp/deb-check-exporter.log | cut -c1-60)...)"
rm -f /tmp/deb-check-exporter.log
echo "deb-check: $(dpkg-query -W -f='${Package} ${Version}' vpndiag) installs and runs"
