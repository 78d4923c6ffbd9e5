#!/bin/bash
# Hostile lab: one bare lab network for run.py, built with the lab's own machinery (lib/common.sh,
# lib/topo.sh): the `direct` topology (cli -- inet -- srv), namespaces vdl-<LAB_ID>-<role>, state
# in /run/vpndiag-lab/<LAB_ID>, host names in /etc/netns/<cli ns>/hosts, and NO servers: the
# hostile responder (hostile.py) is started per case by run.py. Torn down with `lab down LAB_ID`
# (which stops whatever still runs in the namespaces, by PID, and deletes them).
#
#   netup.sh        prints KEY=value lines: LAB_ID CLIENT_NS SERVER_NS TARGET TARGET_NAME ALT_ADDR
# Extra: 198.19.0.3/24 on the server's link (ALT_ADDR: the "spoofed" source of some cases).
# Exit 77: cannot run here (not root, no namespaces, no nft/ip). A failed or interrupted start
# removes what it had made.
set -uo pipefail
LAB_DIR=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
# shellcheck source=../lib/common.sh
. "$LAB_DIR/lib/common.sh"
# shellcheck source=../lib/topo.sh
. "$LAB_DIR/lib/topo.sh"
ALT_ADDR=198.19.0.3

require_root
probe="vdl-probe-$$"
ip netns add "$probe" 2>/dev/null || { echo "netup: cannot create network namespaces here" >&2; exit 77; }
ip netns del "$probe"

# The scenario keys topo_build reads (no scenario file: this lab has no servers of its own)
S=([name]=hostile [description]="hostile-server lab (tests/lab/hostile)")
scn_defaults
set_lab "$(new_lab_id)"
while [[ -e $STATE ]]; do set_lab "$(new_lab_id)"; done
DONE=0
abort() { [[ $DONE == 1 ]] && return; trap - INT TERM EXIT; log "hostile netup failed or interrupted: cleaning up $LAB_ID"; lab_down; }
trap 'abort; exit 130' INT
trap 'abort; exit 143' TERM
trap 'abort' EXIT
set -e
mkdir -p "$STATE/pids" "$STATE/logs"
chmod 700 "$STATE"
echo hostile >"$STATE/scenario"
echo "$PPID" >"$STATE/owner"
topo_build
ip -n "$(ns srv)" addr add "$ALT_ADDR/24" dev "$(ifname 0 b)"
mkdir -p "/etc/netns/$(ns cli)"
printf '%s\n' "127.0.0.1 localhost" "::1 localhost" "$TARGET4 $SERVER_NAME" "$TARGET4 $CRL_NAME" >"/etc/netns/$(ns cli)/hosts"
{
	kv LAB_ID "$LAB_ID"
	kv SCENARIO hostile
	kv TOPOLOGY direct
	kv CLIENT_NS "$(ns cli)"
	kv SERVER_NS "$(ns srv)"
	kv ROUTER_NS "$(ns inet)"
	kv TARGET "$TARGET4"
	kv TARGET_NAME "$SERVER_NAME"
	kv ALT_ADDR "$ALT_ADDR"
	kv LAB_STATE "$STATE"
} >"$STATE/env"
set +e
DONE=1
trap - INT TERM EXIT
cat "$STATE/env"
