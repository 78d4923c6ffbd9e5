# shellcheck shell=bash
# vpndiag lab: shared helpers (sourced by tests/lab/lab).
#
# Conventions
#   LAB_ID     6 hex digits, unique per run
#   STATE      /run/vpndiag-lab/$LAB_ID  (configs, pidfiles, logs, certificates)
#   namespaces vdl-$LAB_ID-<role>        roles: cli cgw cgw1 cgw2 inet sgw srv
#   veths      vd$LAB_ID<link><a|b>      (at most 10 characters)
# Only 198.18.0.0/15 and 2001:2::/48 are used. No namespace has a default route.

STATE_ROOT=${VPNDIAG_LAB_STATE_ROOT:-/run/vpndiag-lab}
NS_PREFIX=vdl
TARGET4=198.19.0.2            # the public server address in every topology
TARGET6_ADDR=2001:2:0:10::2   # the server's IPv6 address (direct topology only)
CRL_HOST=198.19.9.9           # a lab host that is down (the inet router answers "unreachable")
SERVER_NAME=vpn.lab.test      # TARGET_NAME
CRL_NAME=crl.lab.test

log()  { printf 'lab: %s\n' "$*" >&2; }
die()  { printf 'lab: error: %s\n' "$*" >&2; exit 1; }
now()  { date +%s.%N; }

# ---------------------------------------------------------------- scenarios
# A scenario file is KEY=value lines. '#' starts a comment line, blank lines
# are ignored, the value is everything after the first '=' (trimmed).
declare -gA S=()

scn_file() {
	local name=$1
	[[ $name =~ ^[a-z0-9][a-z0-9-]*$ ]] || die "bad scenario name '$name'"
	local f=$LAB_DIR/scenarios/$name.scn
	[[ -f $f ]] || die "no scenario '$name' (see: lab list)"
	printf '%s\n' "$f"
}

scn_load() {
	local f key val line n=0
	f=$(scn_file "$1")
	S=()
	while IFS= read -r line || [[ -n $line ]]; do
		n=$((n + 1))
		line=${line#"${line%%[![:space:]]*}"}
		[[ -z $line || $line == \#* ]] && continue
		[[ $line == *=* ]] || die "$f:$n: expected KEY=value"
		key=${line%%=*}; val=${line#*=}
		key=${key%"${key##*[![:space:]]}"}
		val=${val#"${val%%[![:space:]]*}"}; val=${val%"${val##*[![:space:]]}"}
		[[ $key =~ ^[a-z0-9][a-z0-9._-]*$ ]] || die "$f:$n: bad key '$key'"
		S[$key]=$val
	done <"$f"
	S[name]=$1
	scn_defaults
	scn_check "$f"
}

scn_get() { printf '%s' "${S[$1]-${2-}}"; }

scn_defaults() {
	: "${S[topology]:=direct}"
	: "${S[firewall]:=}"
	: "${S[firewall.at]:=inet}"
	: "${S[mtu]:=}"
	: "${S[mtu.link]:=client}"
	: "${S[server.ikev2]:=eap,psk}"
	: "${S[server.ikev2.proposals]:=aes256-aes192-aes128-3des-sha384-sha256-sha1-modp1024-modp2048-ecp256-ecp384}"
	: "${S[server.ikev2.cookies]:=normal}"
	: "${S[server.ikev2.fragmentation]:=yes}"
	: "${S[server.ikev1]:=psk}"
	: "${S[server.ikev1.aggressive]:=no}"
	: "${S[server.l2tp]:=xl2tpd}"
	: "${S[server.pptp]:=pptpd}"
	: "${S[server.gre]:=responder}"
	: "${S[server.sstp]:=responder}"
	: "${S[server.sstp.tls]:=modern}"
	: "${S[server.cert]:=good}"
	: "${S[server.psk]:=same}"
	: "${S[server.eap]:=mschapv2}"
	: "${S[server.eap.user]:=known}"
	: "${S[client.eap]:=none}"
	: "${S[target]:=ipv4}"
	: "${S[target.name]:=yes}"
}

in_list() { local x=$1; shift; local y; for y in "$@"; do [[ $x == "$y" ]] && return 0; done; return 1; }

scn_check() {
	local f=$1 k v r a
	[[ -n ${S[description]-} ]] || die "$f: description= is required"
	in_list "${S[topology]}" direct client-nat client-double-nat server-nat both-nat ||
		die "$f: unknown topology '${S[topology]}'"
	for r in ${S[firewall]}; do
		a=${r#*:}; r=${r%%:*}
		# RULE/4 or RULE/6: the rule matches that IP family only (dual-stack scenarios)
		case $r in */4 | */6) r=${r%/*} ;; esac
		in_list "$r" udp500 udp4500 tcp443 tcp1723 gre udp1701 fragments icmp || die "$f: unknown firewall rule '$r'"
		in_list "$a" drop reject || die "$f: firewall action must be drop or reject, not '$a'"
	done
	in_list "${S[firewall.at]}" inet cgw sgw || die "$f: firewall.at must be inet, cgw or sgw"
	[[ -z ${S[mtu]} || ${S[mtu]} =~ ^[0-9]+$ ]] || die "$f: mtu must be a number"
	in_list "${S[mtu.link]}" client server || die "$f: mtu.link must be client or server"
	for v in ${S[server.ikev2]//,/ }; do in_list "$v" eap psk off || die "$f: server.ikev2: eap,psk,off"; done
	in_list "${S[server.ikev2.cookies]}" normal always || die "$f: server.ikev2.cookies: normal|always"
	in_list "${S[server.ikev2.fragmentation]}" yes no || die "$f: server.ikev2.fragmentation: yes|no"
	in_list "${S[server.ikev1]}" psk off || die "$f: server.ikev1: psk|off"
	in_list "${S[server.ikev1.aggressive]}" no yes || die "$f: server.ikev1.aggressive: no|yes"
	[[ ${S[server.ikev1.aggressive]} == no || ${S[server.ikev1]} == psk ]] || die "$f: server.ikev1.aggressive=yes needs server.ikev1=psk"
	in_list "${S[server.l2tp]}" xl2tpd off || die "$f: server.l2tp: xl2tpd|off"
	in_list "${S[server.pptp]}" pptpd off || die "$f: server.pptp: pptpd|off"
	in_list "${S[server.gre]}" responder off || die "$f: server.gre: responder|off"
	in_list "${S[server.sstp]}" responder nak nginx off || die "$f: server.sstp: responder|nak|nginx|off"
	in_list "${S[server.sstp.tls]}" modern tls1.0 || die "$f: server.sstp.tls: modern|tls1.0"
	in_list "${S[server.cert]}" good wrong-name expired untrusted-ca no-server-auth ip-san-only large-chain crl-unreachable missing-intermediate \
		no-eku any-eku critical-ext ku-no-signature not-yet-valid wildcard wildcard-cn rsa-1024 sha1-signed ||
		die "$f: unknown server.cert '${S[server.cert]}'"
	in_list "${S[server.psk]}" same other || die "$f: server.psk: same|other"
	in_list "${S[server.eap]}" mschapv2 tls-only || die "$f: server.eap: mschapv2|tls-only"
	in_list "${S[server.eap.user]}" known unknown || die "$f: server.eap.user: known|unknown"
	in_list "${S[client.eap]}" none right wrong || die "$f: client.eap: none|right|wrong"
	in_list "${S[target]}" ipv4 ipv6 dual || die "$f: target: ipv4|ipv6|dual"
	in_list "${S[target.name]}" yes no || die "$f: target.name: yes|no"
	[[ ${S[target]} == ipv4 || ${S[topology]} == direct ]] || die "$f: IPv6 exists only in the direct topology"
	for k in ikev2 l2tp sstp pptp; do
		v=${S[expect.$k]-}
		[[ -n $v ]] || die "$f: expect.$k= is required"
		in_list "${v%% *}" works fails unknown || die "$f: expect.$k: verdict must be works, fails or unknown"
	done
	for k in "${!S[@]}"; do
		case $k in
		name | description | topology | firewall | firewall.at | mtu | mtu.link | target | target.name) ;;
		server.ikev2 | server.ikev2.proposals | server.ikev2.cookies | server.ikev2.fragmentation) ;;
		server.ikev1 | server.ikev1.aggressive | server.l2tp | server.pptp | server.gre | server.sstp | server.sstp.tls | server.cert | server.psk) ;;
		server.eap | server.eap.user | client.eap) ;;
		expect.ikev2 | expect.l2tp | expect.sstp | expect.pptp | expect.nat) ;;
		verify.ikev2-eap | verify.ikev2-psk | verify.ikev1 | verify.ikescan-v1 | verify.ikescan-v2 | verify.ikescan-am) ;;
		verify.pptp | verify.gre | verify.l2tp | verify.sstp) ;;
		*) die "$f: unknown key '$k'" ;;
		esac
	done
}

scn_list() {
	local f n d
	for f in "$LAB_DIR"/scenarios/*.scn; do
		n=$(basename "$f" .scn)
		d=$(sed -n 's/^[[:space:]]*description[[:space:]]*=[[:space:]]*//p' "$f" | head -n1)
		printf '%-30s  %s\n' "$n" "$d"
	done
}

# ---------------------------------------------------------------- state
new_lab_id() {
	local id
	id=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
	# mix in the PID so two runs started in the same instant still differ
	printf '%06x' $(( (0x$id ^ ($$ << 4)) & 0xffffff ))
}

set_lab() {
	LAB_ID=$1
	[[ $LAB_ID =~ ^[0-9a-f]{6}$ ]] || die "bad LAB_ID '$LAB_ID' (6 hex digits)"
	STATE=$STATE_ROOT/$LAB_ID
	NSP=$NS_PREFIX-$LAB_ID
}

ns() { printf '%s-%s' "$NSP" "$1"; }
nsx() { local r=$1; shift; ip netns exec "$(ns "$r")" "$@"; }

require_root() {
	[[ $(id -u) -eq 0 ]] || { echo "lab: needs root (network namespaces)" >&2; exit 77; }
	command -v ip >/dev/null || { echo "lab: iproute2 missing" >&2; exit 77; }
	command -v nft >/dev/null || { echo "lab: nft missing (apt-get install nftables)" >&2; exit 77; }
}

# start_bg NAME ROLE CMD...: start CMD in the namespace of ROLE, in the
# background, stdout/stderr to $STATE/logs/NAME.out, PID to $STATE/pids/NAME.pid.
# `ip netns exec` execs CMD in place, so $! is the daemon's own PID.
start_bg() {
	local name=$1 role=$2; shift 2
	ip netns exec "$(ns "$role")" "$@" </dev/null >"$STATE/logs/$name.out" 2>&1 &
	echo $! >"$STATE/pids/$name.pid"
}

# is_ours PID: the process exists and lives in one of this lab's namespaces
is_ours() {
	local pid=$1 n
	[[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
	n=$(ip netns identify "$pid" 2>/dev/null) || return 1
	[[ $n == "$NSP"-* ]]
}

stop_pidfile() {
	local f=$1 pid
	pid=$(cat "$f" 2>/dev/null) || return 0
	is_ours "$pid" && kill -TERM "$pid" 2>/dev/null
	return 0
}

# lab_down: stop everything of $LAB_ID, whether the run is alive or died.
# 1. TERM every PID in the pidfiles (only if it still lives in our namespaces)
# 2. TERM, then KILL, whatever else still runs inside our namespaces
# 3. delete the namespaces, /etc/netns/<ns>, and the state directory
lab_down() {
	local f pid n i left nslist=()
	if [[ -d $STATE/pids ]]; then
		for f in "$STATE"/pids/*.pid; do [[ -e $f ]] && stop_pidfile "$f"; done
	fi
	while read -r n _; do [[ $n == "$NSP"-* ]] && nslist+=("$n"); done < <(ip netns list 2>/dev/null)
	for i in $(seq 1 30); do       # at most 3 s for a clean exit
		left=0
		for n in "${nslist[@]}"; do [[ -n $(ip netns pids "$n" 2>/dev/null) ]] && left=1; done
		[[ $left -eq 0 ]] && break
		if [[ $i -eq 10 ]]; then
			for n in "${nslist[@]}"; do
				for pid in $(ip netns pids "$n" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null; done
			done
		fi
		if [[ $i -eq 25 ]]; then
			for n in "${nslist[@]}"; do
				for pid in $(ip netns pids "$n" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
			done
		fi
		sleep 0.1
	done
	for n in "${nslist[@]}"; do
		ip netns del "$n" 2>/dev/null || true
		rm -rf "/etc/netns/$n"
	done
	# /etc/netns entries whose namespace was already gone
	for f in /etc/netns/"$NSP"-*; do [[ -e $f ]] && rm -rf "$f"; done
	rm -rf "$STATE"
	return 0
}

# Print KEY=value so that `eval "$(lab up X)"` works in sh.
kv() {
	local k=$1 v=$2
	if [[ $v =~ ^[A-Za-z0-9_./:,@%+=-]*$ ]]; then printf '%s=%s\n' "$k" "$v"
	else printf "%s='%s'\n" "$k" "${v//\'/}"; fi
}
