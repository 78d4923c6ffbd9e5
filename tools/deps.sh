#!/bin/sh
# Installs the Debian 12 packages that the build and the tests need. Idempotent, quiet when
# nothing is missing. The lab's server packages are listed in tests/lab/packages.txt.
# `deps.sh --check` only lists what is missing (exit 1 when something is), for the Makefile.
set -eu
check_only=0
[ "${1:-}" = --check ] && check_only=1
here=$(cd "$(dirname "$0")/.." && pwd)
pkgs="build-essential cmake pkg-config clang libclang-rt-14-dev libssl-dev libjson-c-dev libcmocka-dev libcurl4-openssl-dev
      libmicrohttpd-dev libyaml-dev
      man-db iproute2 nftables openssl ca-certificates bash-completion"
# Package lists of the parts that need more: the lab's servers, the wiki's checkers.
for list in "$here/tests/lab/packages.txt" "$here/tools/packages-wiki.txt" "$here/tools/packages-deb.txt"; do
  [ -f "$list" ] && pkgs="$pkgs $(grep -v '^#' "$list" | tr '\n' ' ')"
done
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$check_only" = 1 ]; then
  echo "deps: missing packages:$missing" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "deps: missing packages:$missing; run 'make deps' as root" >&2
  exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Services pulled in by the lab packages must not start on the host: the lab starts them itself.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -qq --no-install-recommends $missing >/dev/null
