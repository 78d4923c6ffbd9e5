# shellcheck shell=bash
# vpndiag lab: topologies, NAT and firewalls (sourced by tests/lab/lab).
#
# Every topology is a chain of namespaces; "inet" is the plain router in the
# middle that stands for the Internet (it never NATs). Public addresses are in
# 198.19.0.0/16, private LANs in 198.18.0.0/16:
#
#   direct            cli --L1-- inet --L0-- srv
#   client-nat        cli --L2-- cgw [MASQ] --L1-- inet --L0-- srv
#   client-double-nat cli --L3-- cgw1 [MASQ] --L2-- cgw2 [MASQ] --L1-- inet --L0-- srv
#   server-nat        cli --L1-- inet --L0-- sgw [DNAT to srv] --L4-- srv
#   both-nat          cli --L2-- cgw [MASQ] --L1-- inet --L0-- sgw [DNAT] --L4-- srv
#
#   L0 198.19.0.0/24  inet .1, srv or sgw .2 (= TARGET)   2001:2:0:10::/64 (direct)
#   L1 198.19.1.0/24  inet .1, cli/cgw/cgw2 .2            2001:2:0:11::/64 (direct)
#   L2 198.18.1.0/24 (client-nat: cgw .1, cli .2) or 198.18.2.0/24 (double: cgw2 .1, cgw1 .2)
#   L3 198.18.1.0/24  cgw1 .1, cli .2
#   L4 198.18.50.0/24 sgw .1, srv .2
# Routes: each node routes 198.19.0.0/16 (and 2001:2::/48) towards the server
# side, srv towards the client side. No default route anywhere. inet has an
# "unreachable" route for 198.19.9.0/24, the CRL host that is down.

ROLES=()

mkns() {
	local r=$1 n
	n=$(ns "$r")
	ip netns add "$n"
	ROLES+=("$r")
	echo "$r" >>"$STATE/roles"
	ip -n "$n" link set lo up
	nsx "$r" sh -c 'echo 0 > /proc/sys/net/ipv6/conf/all/accept_ra; echo 0 > /proc/sys/net/ipv6/conf/default/accept_ra; echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6; echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6' 2>/dev/null || true
}

router_on() {
	nsx "$1" sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
}

# link N ROLE_A ADDR_A ROLE_B ADDR_B [ADDR6_A ADDR6_B]: veth vd<ID><N>a (in A) <-> vd<ID><N>b (in B)
link() {
	local l=$1 ra=$2 aa=$3 rb=$4 ab=$5 a6=${6-} b6=${7-}
	local ia=vd$LAB_ID${l}a ib=vd$LAB_ID${l}b
	ip link add "$ia" netns "$(ns "$ra")" type veth peer name "$ib" netns "$(ns "$rb")"
	if [[ -n $a6 ]]; then
		nsx "$ra" sh -c "echo 0 > /proc/sys/net/ipv6/conf/all/disable_ipv6; echo 0 > /proc/sys/net/ipv6/conf/$ia/disable_ipv6"
		nsx "$rb" sh -c "echo 0 > /proc/sys/net/ipv6/conf/all/disable_ipv6; echo 0 > /proc/sys/net/ipv6/conf/$ib/disable_ipv6"
		ip -n "$(ns "$ra")" addr add "$a6" dev "$ia" nodad
		ip -n "$(ns "$rb")" addr add "$b6" dev "$ib" nodad
	fi
	ip -n "$(ns "$ra")" addr add "$aa" dev "$ia"
	ip -n "$(ns "$rb")" addr add "$ab" dev "$ib"
	ip -n "$(ns "$ra")" link set "$ia" up
	ip -n "$(ns "$rb")" link set "$ib" up
	echo "L$l $ra $ia $rb $ib" >>"$STATE/links"
}

ifname() { printf 'vd%s%s%s' "$LAB_ID" "$1" "$2"; }   # ifname LINK a|b
route() { ip -n "$(ns "$1")" route add "$2" via "$3"; }
route6() { ip -n "$(ns "$1")" -6 route add "$2" via "$3"; }

# Facts the rest of the lab uses
SRV_ADDR=$TARGET4   # the server's own address (differs behind NAT)
HAS_V6=0
FW_ROLE=inet
CLIENT_LINK=        # link number of inet's client-side link
SERVER_LINK=0

topo_build() {
	local t=${S[topology]}
	case $t in
	direct)
		mkns cli; mkns inet; mkns srv
		link 1 cli 198.19.1.2/24 inet 198.19.1.1/24 2001:2:0:11::2/64 2001:2:0:11::1/64
		link 0 inet 198.19.0.1/24 srv 198.19.0.2/24 2001:2:0:10::1/64 2001:2:0:10::2/64
		route cli 198.19.0.0/16 198.19.1.1; route6 cli 2001:2::/48 2001:2:0:11::1
		route srv 198.19.0.0/16 198.19.0.1; route6 srv 2001:2::/48 2001:2:0:10::1
		nsx inet sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/forwarding'
		HAS_V6=1 ;;
	client-nat | both-nat)
		mkns cli; mkns cgw; mkns inet
		[[ $t == both-nat ]] && mkns sgw
		mkns srv
		link 2 cli 198.18.1.2/24 cgw 198.18.1.1/24
		link 1 cgw 198.19.1.2/24 inet 198.19.1.1/24
		route cli 198.19.0.0/16 198.18.1.1
		route cgw 198.19.0.0/16 198.19.1.1
		router_on cgw
		nat_masq cgw "$(ifname 1 a)" ;;
	client-double-nat)
		mkns cli; mkns cgw1; mkns cgw2; mkns inet; mkns srv
		link 3 cli 198.18.1.2/24 cgw1 198.18.1.1/24
		link 2 cgw1 198.18.2.2/24 cgw2 198.18.2.1/24
		link 1 cgw2 198.19.1.2/24 inet 198.19.1.1/24
		route cli 198.19.0.0/16 198.18.1.1
		route cgw1 198.19.0.0/16 198.18.2.1
		route cgw2 198.19.0.0/16 198.19.1.1
		router_on cgw1; router_on cgw2
		nat_masq cgw1 "$(ifname 2 a)"
		nat_masq cgw2 "$(ifname 1 a)" ;;
	server-nat)
		mkns cli; mkns inet; mkns sgw; mkns srv
		link 1 cli 198.19.1.2/24 inet 198.19.1.1/24
		route cli 198.19.0.0/16 198.19.1.1 ;;
	esac
	case $t in
	direct) ;;
	server-nat | both-nat)
		link 0 inet 198.19.0.1/24 sgw 198.19.0.2/24
		link 4 sgw 198.18.50.1/24 srv 198.18.50.2/24
		route sgw 198.19.0.0/16 198.19.0.1
		route srv 198.19.0.0/16 198.18.50.1
		router_on sgw
		nat_portforward sgw "$(ifname 0 b)" 198.19.0.2 198.18.50.2
		SRV_ADDR=198.18.50.2 ;;
	*)
		link 0 inet 198.19.0.1/24 srv 198.19.0.2/24
		route srv 198.19.0.0/16 198.19.0.1 ;;
	esac
	router_on inet
	CLIENT_LINK=1
	ip -n "$(ns inet)" route add unreachable 198.19.9.0/24
	# the server's "protected LAN" behind the VPN
	ip -n "$(ns srv)" addr add 198.19.100.1/24 dev lo
	case ${S[firewall.at]} in
	inet) FW_ROLE=inet ;;
	cgw) case $t in client-nat | both-nat) FW_ROLE=cgw ;; client-double-nat) FW_ROLE=cgw1 ;;
	     *) die "firewall.at=cgw needs a client-side NAT topology" ;; esac ;;
	sgw) case $t in server-nat | both-nat) FW_ROLE=sgw ;; *) die "firewall.at=sgw needs a server-side NAT topology" ;; esac ;;
	esac
	if [[ -n ${S[mtu]} ]]; then
		local l=$CLIENT_LINK; [[ ${S[mtu.link]} == server ]] && l=$SERVER_LINK
		local ra rb ia ib
		read -r _ ra ia rb ib < <(grep "^L$l " "$STATE/links")
		ip -n "$(ns "$ra")" link set "$ia" mtu "${S[mtu]}"
		ip -n "$(ns "$rb")" link set "$ib" mtu "${S[mtu]}"
	fi
	firewall_apply
}

# Client-side NAT: masquerade out of WAN, with the PPTP conntrack helper
# (kernels >= 4.7 do not attach helpers automatically) so that GRE is NATed.
nat_masq() {
	local r=$1 wan=$2
	nsx "$r" nft -f - <<EOF
table ip labnat {
	ct helper pptp { type "pptp" protocol tcp; l3proto ip; }
	chain pre { type filter hook prerouting priority 0; tcp dport 1723 ct helper set "pptp"; }
	chain post { type nat hook postrouting priority 100; oifname "$wan" masquerade; }
}
EOF
}

# Server-side NAT: a port-forwarding router. Everything sent to the public
# address is forwarded to the server (a "DMZ host"), the server's own
# traffic leaves with the public address.
nat_portforward() {
	local r=$1 wan=$2 pub=$3 priv=$4
	nsx "$r" nft -f - <<EOF
table ip labnat {
	ct helper pptp { type "pptp" protocol tcp; l3proto ip; }
	chain pre_helper { type filter hook prerouting priority 0; tcp dport 1723 ct helper set "pptp"; }
	chain pre { type nat hook prerouting priority -100; iifname "$wan" ip daddr $pub dnat to $priv; }
	chain post { type nat hook postrouting priority 100; oifname "$wan" ip saddr $priv snat to $pub; }
}
EOF
}

# Firewall rules on router FW_ROLE. Rules match forwarded traffic towards the
# server (destination port); gre and icmp match both directions. "reject"
# answers TCP with a reset and everything else with ICMP administratively
# prohibited. "fragments" drops every IPv4/IPv6 fragment at the ingress of
# every interface of the router, before the kernel reassembles them
# (conntrack defragments at PREROUTING, so the forward chain never sees them).
firewall_apply() {
	local rules=${S[firewall]} r a fam stmt body="" frag=0 ifs i
	[[ -z $rules ]] && return 0
	for r in $rules; do
		a=${r#*:}; r=${r%%:*}
		# RULE/4, RULE/6: that IP family only (a dual-stack server with one family's firewall open)
		fam=""
		case $r in
		*/4) fam="meta nfproto ipv4 "; r=${r%/*} ;;
		*/6) fam="meta nfproto ipv6 "; r=${r%/*} ;;
		esac
		case $r in
		tcp*) if [[ $a == drop ]]; then stmt=drop; else stmt="reject with tcp reset"; fi ;;
		*) if [[ $a == drop ]]; then stmt=drop; else stmt="reject with icmpx type admin-prohibited"; fi ;;
		esac
		case $r in
		udp500) body+="${fam}udp dport 500 $stmt"$'\n' ;;
		udp4500) body+="${fam}udp dport 4500 $stmt"$'\n' ;;
		udp1701) body+="${fam}udp dport 1701 $stmt"$'\n' ;;
		tcp443) body+="${fam}tcp dport 443 $stmt"$'\n' ;;
		tcp1723) body+="${fam}tcp dport 1723 $stmt"$'\n' ;;
		gre) body+="${fam}meta l4proto gre $stmt"$'\n' ;;
		icmp) body+="${fam}meta l4proto { icmp, ipv6-icmp } $stmt"$'\n' ;;
		fragments) frag=1 ;;
		esac
	done
	if [[ -n $body ]]; then
		nsx "$FW_ROLE" nft -f - <<EOF
table inet labfw {
	chain forward {
		type filter hook forward priority 0; policy accept;
		$body
	}
}
EOF
	fi
	if [[ $frag -eq 1 ]]; then
		ifs=$(awk -v r="$FW_ROLE" '$2==r{print $3} $4==r{print $5}' "$STATE/links")
		body=""
		for i in $ifs; do
			body+="chain in_$i { type filter hook ingress device \"$i\" priority 0; ip frag-off & 0x3fff != 0 drop; ip6 nexthdr ipv6-frag drop; }"$'\n'
		done
		nsx "$FW_ROLE" nft -f - <<EOF
table netdev labfrag {
$body
}
EOF
	fi
}
