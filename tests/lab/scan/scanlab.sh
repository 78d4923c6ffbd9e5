#!/bin/bash
# The scan lab (issue 16): a routed /16 of silent addresses with real strongSwan responders spread
# through it, for `vpndiag scan` (tests/lab/scan/README.md). Its own namespaces, separate from the
# scenario lab (tests/lab/lab), so the /16 is free: the scanned space is 198.19.0.0/16 and
# 2001:2:0:99::/112 inside namespaces this script creates; links use 198.18.200-204.x.
#
#   scanlab.sh up [LAB_ID]          start; prints LAB_ID; state in /run/vpndiag-scanlab/LAB_ID
#   scanlab.sh down LAB_ID          stop every process (by PID, in our namespaces) and delete them
#   scanlab.sh run CMD...           up, run CMD in the scanner namespace with the variables below
#                                   exported, down (also on failure or interrupt); CMD's status
# CMD sees: SCANLAB_ID, SCANLAB_STATE, SCANLAB_NS (scanner), SCANLAB_SPACE4, SCANLAB_SPACE6,
# SCANLAB_SPACE6_BIG (a silent /104 around the /112),
# SCANLAB_RESPONDERS (file: "ADDRESS KIND" per real responder), SCANLAB_CA (the lab CA),
# SCANLAB_TEST_RESPONDERS (file: reflector/spoofer addresses, never responders),
# SCANLAB_L2TP_RESPONDERS (file: "ADDRESS KIND" per IKEv1 responder; KIND accept, refuse, nat, am,
# none = answers IKEv1 but has no IKEv1 connection),
# SCANLAB_PSK_FILE (the IKEv1 pre-shared key of the lab, for probe --psk-file).
#
# Layout:   scn --(198.18.200.0/30)-- rtr --(198.18.201.0/30)-- srv  (one charon, many addresses)
#                                         --(198.18.202.0/30)-- ck   (one charon: COOKIE always)
#                                         --(198.18.204.0/30)-- tr   (test responders: reflector, spoofer)
# rtr blackholes 198.19.0.0/16 and 2001:2:0:99::/112 except the responders' /32 and /128 routes;
# 198.19.250.7 is DNATed by rtr to 198.18.203.7 on srv (a responder behind NAT).
set -u
CHARON=/usr/lib/ipsec/charon
WIN_IKEV2=3des-sha1-modp1024,3des-sha256-modp1024,3des-sha384-modp1024,aes128-sha1-modp1024,aes128-sha256-modp1024,aes128-sha384-modp1024,aes192-sha1-modp1024,aes192-sha256-modp1024,aes192-sha384-modp1024,aes256-sha1-modp1024,aes256-sha256-modp1024,aes256-sha384-modp1024
ACCEPT_PROPS=aes256-sha256-modp2048,$WIN_IKEV2
REFUSE_PROPS=aes256-sha256-modp2048,aes128gcm16-prfsha256-ecp256
# IKEv1 (L2TP/IPsec, --protocols l2tp): the srv charon also serves IKEv1 Main Mode with a PSK on
# every srv responder address: "accept" (and "nat") responders with Windows' five Main Mode
# transforms, "refuse" responders with one Windows does not send (but the probe's "broad" set does:
# a proposal mismatch, 788); AM_RESPONDER also answers Aggressive Mode with the PSK (--aggressive).
WIN_IKEV1=aes256-sha1-ecp384,aes128-sha1-ecp256,aes256-sha1-modp2048,3des-sha1-modp2048,3des-sha1-modp1024
REFUSE1_PROPS=aes256-sha256-modp2048
AM_RESPONDER=198.19.128.5
LAB_PSK=scanlab-psk-not-secret
TCP_OPEN=198.19.37.201  # TCP 443 and 1723 accepted (tcp_listener.py); every other responder resets them
SPACE4=198.19.0.0/16
SPACE6=2001:2:0:99::/112
SPACE6_BIG=2001:2:0:99::/104  # routed and silent too: 2^24 addresses for memory measurements (bench/scan.sh)
# address kind charon
RESPONDERS="198.19.0.10 accept srv
198.19.37.201 accept srv
198.19.128.5 accept srv
198.19.200.77 accept srv
198.19.255.254 accept srv
198.19.9.9 refuse srv
198.19.64.64 refuse srv
198.19.190.3 refuse srv
198.19.250.7 nat srv
198.19.77.77 cookie ck
2001:2:0:99::10 accept srv
2001:2:0:99::abcd accept srv
2001:2:0:99::fe00 refuse srv"
NAT_PUBLIC=198.19.250.7
NAT_PRIVATE=198.18.203.7
REFLECTOR=198.19.66.6
SPOOFER=198.19.66.7
here=$(cd "$(dirname "$0")" && pwd)

log() { printf 'scanlab: %s\n' "$*" >&2; }
die() { printf 'scanlab: error: %s\n' "$*" >&2; exit 1; }
ns() { printf 'vds-%s-%s' "$LAB_ID" "$1"; }
nsx() { local r=$1; shift; ip netns exec "$(ns "$r")" "$@"; }

set_lab() { LAB_ID=$1; STATE=/run/vpndiag-scanlab/$LAB_ID; }

start_bg() { # NAME ROLE CMD...: background process in ROLE's namespace, pid in $STATE/NAME.pid
	local name=$1 role=$2; shift 2
	ip netns exec "$(ns "$role")" setsid "$@" >"$STATE/logs/$name.log" 2>&1 </dev/null &
	echo $! >"$STATE/$name.pid"
}

lab_down() {
	local id=$1 f pid n
	set_lab "$id"
	# processes: the pidfiles first, then whatever still runs in our namespaces; TERM, then KILL
	for sig in TERM KILL; do
		for f in "$STATE"/*.pid; do
			[[ -f $f ]] || continue
			pid=$(cat "$f"); [[ $pid =~ ^[0-9]+$ ]] && kill -"$sig" "$pid" 2>/dev/null
		done
		for n in scn rtr srv ck tr; do
			for pid in $(ip netns pids "$(ns $n)" 2>/dev/null); do kill -"$sig" "$pid" 2>/dev/null; done
		done
		for i in $(seq 1 30); do
			local left=0
			for n in scn rtr srv ck tr; do [[ -n $(ip netns pids "$(ns $n)" 2>/dev/null) ]] && left=1; done
			[[ $left == 0 ]] && break
			sleep 0.1
		done
	done
	for n in scn rtr srv ck tr; do ip netns del "$(ns $n)" 2>/dev/null; done
	rm -rf "$STATE"
}

charon_conf() { # DIR COOKIES(0|1)
	local d=$1 ck=$2 ct=1000 hot=5
	[[ $ck == 1 ]] && { ct=1; hot=3600; }
	mkdir -p "$d/swanctl"/{x509,x509ca,private,x509crl,x509ocsp,x509aa,x509ac,pubkey,rsa,ecdsa,bliss,pkcs8,pkcs12}
	cat >"$d/strongswan.conf" <<EOC
charon {
  load = random nonce openssl pem pkcs1 pkcs8 x509 revocation constraints pubkey gmp aes sha1 sha2 hmac kdf gcm curve25519 kernel-netlink socket-default vici attr eap-identity eap-mschapv2
  install_routes = no
  install_virtual_ip = no
  cookie_threshold = $ct
  block_threshold = 100000
  cookie_threshold_ip = 100000
  block_threshold_ip = 100000
  init_limit_half_open = 0
  half_open_timeout = $hot
  retransmit_tries = 1
  filelog { lab { path = $d/charon.log
    time_format = %T
    default = 1 } }
  syslog { identifier = vds-charon
    daemon { default = -1 }
    auth { default = -1 } }
  plugins { vici { socket = unix://$d/charon.vici }
    openssl { load_legacy = yes } }
}
swanctl { load = pem pkcs1 x509 revocation constraints pubkey openssl random }
EOC
	cp "$STATE/pki/ca.crt" "$d/swanctl/x509ca/ca.crt"
	cp "$STATE/pki/server.crt" "$d/swanctl/x509/server.crt"
	cp "$STATE/pki/server.key" "$d/swanctl/private/server.key"
}

conn1() { # NAME LOCAL_ADDRS PROPOSALS AGGRESSIVE(yes|no): IKEv1 Main Mode (or Aggressive Mode), PSK
	cat <<EOC
  $1 {
    version = 1
    aggressive = $4
    local_addrs = $2
    proposals = $3
    local { auth = psk }
    remote { auth = psk }
    children { l2tp { mode = transport
      local_ts = dynamic[udp/1701]
      remote_ts = dynamic[udp] } }
  }
EOC
}

conn() { # NAME LOCAL_ADDRS PROPOSALS
	cat <<EOC
  $1 {
    version = 2
    local_addrs = $2
    proposals = $3
    send_certreq = no
    pools = labpool
    local { auth = pubkey
      certs = server.crt
      id = vpn.lab.test }
    remote { auth = eap-mschapv2
      eap_id = %any }
    children { net { local_ts = 198.18.210.0/24 } }
  }
EOC
}

charon_start() { # NAME ROLE DIR
	local name=$1 role=$2 d=$3
	# shellcheck disable=SC2016
	start_bg "$name" "$role" sh -c 'cd "$1" && mount -t tmpfs -o size=1m,mode=0755 vds-run /run && mkdir -p "$1" && mount --no-canonicalize --bind . "$1" && STRONGSWAN_CONF="$2/strongswan.conf" exec "$3"' sh "$STATE" "$d" "$CHARON"
}

charon_load() { # DIR
	local d=$1 i
	for i in $(seq 1 100); do [[ -S $d/charon.vici ]] && break; sleep 0.05; done
	[[ -S $d/charon.vici ]] || die "charon did not open $d/charon.vici"
	STRONGSWAN_CONF=$d/strongswan.conf SWANCTL_DIR=$d/swanctl timeout 20 swanctl --load-all --uri "unix://$d/charon.vici" >"$d/load.out" 2>&1
	grep -q 'loaded connection' "$d/load.out" || die "swanctl --load-all: $(cat "$d/load.out")"
}

veth() { # A-ROLE B-ROLE NAME A-ADDR4 B-ADDR4 A-ADDR6 B-ADDR6
	ip link add "vs$LAB_ID$3a" netns "$(ns "$1")" type veth peer name "vs$LAB_ID$3b" netns "$(ns "$2")" || die "veth $3"
	nsx "$1" ip addr add "$4" dev "vs$LAB_ID$3a"; nsx "$2" ip addr add "$5" dev "vs$LAB_ID$3b"
	nsx "$1" ip addr add "$6" dev "vs$LAB_ID$3a" nodad; nsx "$2" ip addr add "$7" dev "vs$LAB_ID$3b" nodad
	nsx "$1" ip link set "vs$LAB_ID$3a" up; nsx "$2" ip link set "vs$LAB_ID$3b" up
}

new_id() { echo $(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 1000 )); }

lab_up() {
	local id=$1 a kind who
	set_lab "$id"
	[[ -e $STATE ]] && die "scan lab $id exists"
	mkdir -p "$STATE/logs" "$STATE/pki"
	for n in scn rtr srv ck tr; do ip netns add "$(ns $n)" || die "ip netns add"; nsx $n ip link set lo up; done
	veth scn rtr 0 198.18.200.2/30 198.18.200.1/30 2001:2:0:200::2/64 2001:2:0:200::1/64
	veth srv rtr 1 198.18.201.2/30 198.18.201.1/30 2001:2:0:201::2/64 2001:2:0:201::1/64
	veth ck rtr 2 198.18.202.2/30 198.18.202.1/30 2001:2:0:202::2/64 2001:2:0:202::1/64
	veth tr rtr 4 198.18.204.2/30 198.18.204.1/30 2001:2:0:204::2/64 2001:2:0:204::1/64
	nsx tr ip route add 198.18.200.0/30 via 198.18.204.1
	nsx rtr sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	# the scanner reaches only the scanned space, through rtr
	nsx scn ip route add $SPACE4 via 198.18.200.1
	nsx scn ip -6 route add $SPACE6_BIG via 2001:2:0:200::1
	# rtr: everything silent, except the responders
	nsx rtr ip route add blackhole $SPACE4
	nsx rtr ip -6 route add blackhole $SPACE6_BIG
	for n in srv ck; do
		nsx $n ip route add 198.18.200.0/30 via "198.18.20$([[ $n == srv ]] && echo 1 || echo 2).1"
		nsx $n ip -6 route add 2001:2:0:200::/64 via "2001:2:0:20$([[ $n == srv ]] && echo 1 || echo 2)::1"
	done
	: >"$STATE/responders"
	: >"$STATE/l2tp-responders"
	printf '%s\n' "$LAB_PSK" >"$STATE/psk"
	chmod 600 "$STATE/psk"
	while read -r a kind who; do
		local link=1; [[ $who == ck ]] && link=2
		local on=$a; [[ $kind == nat ]] && on=$NAT_PRIVATE
		if [[ $a == *:* ]]; then
			nsx $who ip -6 addr add "$on/128" dev lo nodad
			nsx rtr ip -6 route add "$on/128" via "2001:2:0:20$link::2"
		else
			nsx $who ip addr add "$on/32" dev lo
			nsx rtr ip route add "$on/32" via "198.18.20$link.2"
		fi
		echo "$a $kind" >>"$STATE/responders"
		# the ck charon has no IKEv1 connection: it refuses every Main Mode (kind none)
		local k1=$kind; [[ $who == ck ]] && k1=none; [[ $a == "$AM_RESPONDER" ]] && k1=am
		echo "$a $k1" >>"$STATE/l2tp-responders"
	done <<<"$RESPONDERS"
	# the server behind NAT: rtr forwards its public address to the private one
	nsx rtr nft -f - <<EON || die "nft"
table ip vds_nat {
  chain pre { type nat hook prerouting priority -100; ip daddr $NAT_PUBLIC dnat to $NAT_PRIVATE; }
}
EON
	# test responders (never responders): a reflector and a spoofer
	for a in $REFLECTOR $SPOOFER; do nsx tr ip addr add "$a/32" dev lo; nsx rtr ip route add "$a/32" via 198.18.204.2; done
	printf '%s reflect\n%s spoof\n' $REFLECTOR $SPOOFER >"$STATE/test-responders"
	# certificates: one lab CA, one server certificate naming every responder address
	local san=(--san vpn.lab.test) d=$STATE/pki
	while read -r a kind who; do san+=(--san "dns:$a"); [[ $a == *:* ]] && san+=(--san "$a"); done <<<"$RESPONDERS"
	pki --gen --type rsa --size 2048 --outform pem >"$d/ca.key" 2>/dev/null
	pki --self --ca --lifetime 3650 --in "$d/ca.key" --type rsa --dn "C=XX, O=vpndiag scan lab, CN=scan lab CA $LAB_ID" --outform pem >"$d/ca.crt" 2>/dev/null
	pki --gen --type rsa --size 2048 --outform pem >"$d/server.key" 2>/dev/null
	pki --issue --cacert "$d/ca.crt" --cakey "$d/ca.key" --type priv --in "$d/server.key" --dn "C=XX, O=vpndiag scan lab, CN=vpn.lab.test" \
		"${san[@]}" --flag serverAuth --flag ikeIntermediate --lifetime 1000 --outform pem >"$d/server.crt" 2>/dev/null
	[[ -s $d/server.crt ]] || die "pki failed"
	# charons
	for n in srv ck; do
		local cd=$STATE/charon-$n conns="" acc="" ref=""
		charon_conf "$cd" "$([[ $n == ck ]] && echo 1 || echo 0)"
		while read -r a kind who; do
			[[ $who == "$n" ]] || continue
			[[ $kind == nat ]] && a=$NAT_PRIVATE
			if [[ $kind == refuse ]]; then ref+=${ref:+,}$a; else acc+=${acc:+,}$a; fi
		done <<<"$RESPONDERS"
		[[ -n $acc ]] && conns+=$(conn accept "$acc" "$ACCEPT_PROPS")$'\n'
		[[ -n $ref ]] && conns+=$(conn refuse "$ref" "$REFUSE_PROPS")$'\n'
		if [[ $n == srv ]]; then
			conns+=$(conn1 accept1 "$acc" "$WIN_IKEV1" no)$'\n'
			conns+=$(conn1 refuse1 "$ref" "$REFUSE1_PROPS" no)$'\n'
			conns+=$(conn1 am1 "$AM_RESPONDER" "$WIN_IKEV1" yes)$'\n'
			# a charon responder refuses Aggressive Mode with a PSK unless this is set (strongswan.conf(5))
			sed -i 's/^charon {$/charon {\n  i_dont_care_about_security_and_use_aggressive_mode_psk = yes/' "$cd/strongswan.conf"
		fi
		printf 'connections {\n%s}\npools { labpool { addrs = 198.18.210.0/24 } }\nsecrets { eap-u { id = user\n secret = "x" }\n ike-lab { secret = "%s" } }\n' "$conns" "$LAB_PSK" >"$cd/swanctl/swanctl.conf"
		charon_start "charon-$n" $n "$cd"
	done
	for n in srv ck; do charon_load "$STATE/charon-$n"; done
	start_bg reflector tr python3 "$here/reflector.py" reflect $REFLECTOR
	start_bg spoofer tr python3 "$here/reflector.py" spoof $SPOOFER
	# an open TCP 443 and 1723 (never answering a byte) on one responder, for the TCP sweep (sstp, pptp)
	start_bg tcp-listener srv python3 "$here/tcp_listener.py" "$TCP_OPEN" 443 1723
	# COOKIE always: threshold 1 plus one half-open IKE_SA seeded now (as the scenario lab does)
	nsx ck ike-scan --ikev2 --sport=0 -r 1 -t 300 198.19.77.77 >"$STATE/logs/cookie-seed.out" 2>&1 || true
	echo "$LAB_ID"
}

lab_run() {
	local id rc
	id=$(new_id)
	(lab_up "$id" >/dev/null) || { lab_down "$id"; return 1; }
	set_lab "$id"
	trap 'lab_down "$LAB_ID"; exit 130' INT TERM
	SCANLAB_ID=$id SCANLAB_STATE=$STATE SCANLAB_NS=$(ns scn) SCANLAB_SPACE4=$SPACE4 SCANLAB_SPACE6=$SPACE6 SCANLAB_SPACE6_BIG=$SPACE6_BIG \
		SCANLAB_RESPONDERS=$STATE/responders SCANLAB_CA=$STATE/pki/ca.crt SCANLAB_TEST_RESPONDERS=$STATE/test-responders \
		SCANLAB_L2TP_RESPONDERS=$STATE/l2tp-responders SCANLAB_PSK_FILE=$STATE/psk \
		"$@"
	rc=$?
	lab_down "$id"
	trap - INT TERM
	return $rc
}

case ${1-} in
up) shift; id=${1:-$(new_id)}; (lab_up "$id") || { lab_down "$id"; exit 1; } ;;
down) shift; [[ $# == 1 ]] || die "down LAB_ID"; lab_down "$1" ;;
run) shift; lab_run "$@" ;;
*) echo "usage: scanlab.sh up [LAB_ID] | down LAB_ID | run CMD..." >&2; exit 2 ;;
esac
