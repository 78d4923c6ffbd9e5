#!/bin/sh
# `make demo`: vpndiag at work. Explains the errors people meet most; when the lab and the probe
# are available (root, network namespaces), probes the lab's all-protocols scenario too.
set -u
bin=${1:-build/vpndiag}
here=$(cd "$(dirname "$0")/.." && pwd)
run() { printf '\n$ vpndiag %s\n' "$*"; "$bin" "$@"; }

if "$bin" help probe >/dev/null 2>&1 && [ -x "$here/tests/lab/lab" ] && [ "$(id -u)" = 0 ]; then
  scenario=$("$here/tests/lab/lab" list 2>/dev/null | awk '$1=="healthy"||$1=="all-healthy"{print $1; exit}')
  if [ -n "$scenario" ]; then
    printf '\n$ tests/lab/lab run %s -- vpndiag probe --ca-file $CA_FILE --psk-file $PSK_FILE $TARGET_NAME\n' "$scenario"
    "$here/tests/lab/lab" run "$scenario" -- sh -c \
      '"$0" probe --ca-file "$CA_FILE" --psk-file "$PSK_FILE" "${TARGET_NAME:-$TARGET}"' "$bin"
    printf '\n$ tests/lab/lab run server-nat -- vpndiag probe --protocols l2tp ... (the seed article'"'"'s case)\n'
    "$here/tests/lab/lab" run server-nat -- sh -c \
      '"$0" probe --protocols l2tp --psk-file "$PSK_FILE" "${TARGET_NAME:-$TARGET}"' "$bin" | sed -n '1,40p'
    echo "    [...]"
  fi
fi
run explain 809 | head -40
echo "    [...]"
run explain -2146885613 | head -12
echo "    [...]"
run explain nat traversal
run explain --json ERROR_IPSEC_IKE_AUTH_FAIL | head -20
echo "    [...]"
exit 0
