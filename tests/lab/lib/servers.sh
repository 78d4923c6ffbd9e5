# shellcheck shell=bash
# vpndiag lab: servers in the srv namespace (sourced by tests/lab/lab).
#
#   charon (strongSwan 5.9)  IKEv2 responder (cert + EAP-MSCHAPv2, and PSK),
#                            IKEv1 Main Mode PSK responder, transport mode, for L2TP
#   xl2tpd                   L2TP LNS on UDP 1701
#   pptpd                    PPTP control on TCP 1723
#   nginx                    TLS on TCP 443: terminates TLS in front of the SSTP
#                            test responder (stream module), or is an ordinary
#                            HTTPS web server (server.sstp=nginx)
#   responders/sstp_responder.py   SSTP TEST RESPONDER (no SSTP server in Debian 12 works here)
#   responders/gre_responder.py    GRE/LCP TEST RESPONDER (the kernel has no PPP, pptpd sends no GRE)
#
# The server charon runs WITHOUT kernel-libipsec, so its NAT-D payloads are
# honest (a libipsec charon fakes NAT-D to force UDP encapsulation). The
# kernel has no ESP, so CHILD_SAs cannot be installed: IKE_SAs are
# established (IKE_SA_INIT, IKE_AUTH, EAP; Main Mode and Quick Mode), the
# CHILD_SA/ESP step fails. That is enough for every probe and check here.

CHARON=/usr/lib/ipsec/charon

# Windows' proposals (facts sheet 2.1 and 2.4)
WIN_IKEV2_PROPOSALS=3des-sha1-modp1024,3des-sha256-modp1024,3des-sha384-modp1024,aes128-sha1-modp1024,aes128-sha256-modp1024,aes128-sha384-modp1024,aes192-sha1-modp1024,aes192-sha256-modp1024,aes192-sha384-modp1024,aes256-sha1-modp1024,aes256-sha256-modp1024,aes256-sha384-modp1024
WIN_IKEV1_PROPOSALS=aes256-sha1-ecp384,aes128-sha1-ecp256,aes256-sha1-modp2048,3des-sha1-modp2048,3des-sha1-modp1024
SRV_IKEV1_PROPOSALS=aes256-aes128-3des-sha256-sha1-ecp384-ecp256-modp2048-modp1024
SRV_ESP_PROPOSALS=aes256-sha1,aes128-sha1,3des-sha1,aes256gcm16,default

# charon_conf DIR ROLE-TAG COOKIES(normal|always) CLIENT(0|1)
charon_conf() {
	local d=$1 tag=$2 cookies=$3 client=$4 ct=1000 hot=5 extra_load="" retr=""
	mkdir -p "$d/swanctl"/{x509,x509ca,private,x509crl,x509ocsp,x509aa,x509ac,pubkey,rsa,ecdsa,bliss,pkcs8,pkcs12}
	if [[ $cookies == always ]]; then ct=1; hot=3600; fi
	# server.eap=tls-only: the responder offers EAP-TLS only (the eap-tls plugin)
	if [[ $client == 0 && ${S[server.eap]} == tls-only ]]; then extra_load+=" eap-tls"; fi
	if [[ $client == 1 ]]; then
		extra_load="curl"
		retr="retransmit_timeout = 0.5
  retransmit_base = 1.4
  retransmit_tries = 2"
	else
		retr="retransmit_tries = 3"
	fi
	cat >"$d/strongswan.conf" <<EOF
# strongswan.conf for the lab's $tag charon (selected with STRONGSWAN_CONF).
# No kernel-libipsec: honest NAT-D; no kernel ESP: CHILD_SAs are not installed.
charon {
  load = random nonce openssl pem pkcs1 pkcs8 x509 revocation constraints pubkey gmp aes sha1 sha2 hmac kdf gcm curve25519 kernel-netlink socket-default vici attr eap-identity eap-mschapv2 $extra_load
  install_routes = no
  install_virtual_ip = no
  # All probes come from one (NATed) address: raise the DoS limits, which
  # would otherwise answer COOKIE after 3 and drop after 5 half-open SAs.
  # cookies=always: threshold 1 plus a half-open IKE_SA seeded at start-up.
  cookie_threshold = $ct
  block_threshold = 1000
  init_limit_half_open = 0
  half_open_timeout = $hot
  fragment_size = 1280
  $retr
  filelog {
    lab {
      path = $d/charon.log
      time_format = %T
      default = 1
      ike = 2
      cfg = 2
      flush_line = yes
    }
  }
  syslog {
    identifier = vdl-charon-$tag
    daemon { default = -1 }
    auth { default = -1 }
  }
  plugins {
    vici { socket = unix://$d/charon.vici }
    openssl { load_legacy = yes }
  }
}
swanctl { load = pem pkcs1 x509 revocation constraints pubkey openssl random }
EOF
}

# charon_start NAME ROLE DIR: charon's pidfile is hard-wired to /run/charon.pid,
# so each charon gets a private tmpfs on /run inside its mount namespace
# (`ip netns exec` already made the mount namespace private); the lab state
# directory is bound back into place from the working directory.
charon_start() {
	local name=$1 role=$2 d=$3
	# shellcheck disable=SC2016
	start_bg "$name" "$role" sh -c 'cd "$1" && mount -t tmpfs -o size=1m,mode=0755 vdl-run /run && mkdir -p "$1" && mount --no-canonicalize --bind . "$1" && STRONGSWAN_CONF="$2/strongswan.conf" exec "$3"' sh "$STATE" "$d" "$CHARON"
}

swanctl_to() { # DIR swanctl-args...
	local d=$1; shift
	STRONGSWAN_CONF=$d/strongswan.conf SWANCTL_DIR=$d/swanctl timeout 20 swanctl "$@" --uri "unix://$d/charon.vici" 2>&1 | grep -v -i tpm
}

charon_wait_load() { # DIR
	local d=$1 i
	for i in $(seq 1 100); do [[ -S $d/charon.vici ]] && break; sleep 0.05; done
	[[ -S $d/charon.vici ]] || die "charon did not open $d/charon.vici (see $d/charon.log)"
	swanctl_to "$d" --load-all >"$d/load.out" || true
	grep -q -E 'loaded connection|no connections found' "$d/load.out" || die "swanctl --load-all failed: $(cat "$d/load.out")"
}

server_charon() {
	local d=$STATE/srv-charon v id psk ikev2=${S[server.ikev2]} conns="" frag=${S[server.ikev2.fragmentation]}
	[[ $ikev2 == off && ${S[server.ikev1]} == off ]] && return 0
	charon_conf "$d" srv "${S[server.ikev2.cookies]}" 0
	if [[ ${S[server.ikev1.aggressive]} == yes ]]; then
		# server.ikev1.aggressive=yes: a charon responder refuses Aggressive Mode with a PSK
		# (AUTHENTICATION_FAILED) unless this is set (strongswan.conf(5)).
		sed -i 's/^charon {$/charon {\n  i_dont_care_about_security_and_use_aggressive_mode_psk = yes/' "$d/strongswan.conf"
	fi
	id=$(cat "$STATE/pki/server.id")
	# wrong-name: the admin installed a certificate for another name; charon
	# then identifies itself by the certificate's subject, whatever IDr the
	# client asks for (Windows sends no IDr at all).
	local idline="id = $id"
	[[ ${S[server.cert]} == wrong-name || ${S[server.cert]} == wildcard* ]] && idline="id = %any"
	# critical-ext (issue 13): charon must load a certificate with an unknown critical extension
	[[ ${S[server.cert]} == critical-ext ]] && echo 'libstrongswan { x509 { enforce_critical = no } }' >>"$d/strongswan.conf"
	cp "$STATE/pki/server.crt" "$d/swanctl/x509/server.crt"
	cp "$STATE/pki/server.key" "$d/swanctl/private/server.key"
	if [[ -s $STATE/pki/chain.crt ]]; then
		# one intermediate per file in x509ca/, so charon can send the chain
		awk -v d="$d/swanctl/x509ca" '/BEGIN CERT/{n++} {print > (d "/int" n ".crt")}' "$STATE/pki/chain.crt"
	fi
	psk=$(cat "$STATE/psk")
	[[ ${S[server.psk]} == other ]] && psk=$(cat "$STATE/wrong-psk")
	for v in ${ikev2//,/ }; do
		case $v in
		eap) conns+="
  # IKEv2: server authenticates with its certificate, the client with
  # EAP-MSCHAPv2 (the Windows built-in client's default)
  ikev2-eap {
    version = 2
    proposals = ${S[server.ikev2.proposals]}
    pools = labpool
    send_certreq = no
    fragmentation = $frag
    local {
      auth = pubkey
      certs = server.crt
      $idline
    }
    remote {
      auth = $([[ ${S[server.eap]} == tls-only ]] && echo eap-tls || echo eap-mschapv2)
      eap_id = %any
    }
    children {
      net {
        local_ts = 198.19.100.0/24
        esp_proposals = $SRV_ESP_PROPOSALS
      }
    }
  }" ;;
		psk) conns+="
  # IKEv2 with a pre-shared key (both sides)
  ikev2-psk {
    version = 2
    proposals = ${S[server.ikev2.proposals]}
    pools = labpool
    fragmentation = $frag
    local {
      auth = psk
      id = $id
    }
    remote {
      auth = psk
    }
    children {
      net {
        local_ts = 198.19.100.0/24
        esp_proposals = $SRV_ESP_PROPOSALS
      }
    }
  }" ;;
		esac
	done
	if [[ ${S[server.ikev1]} == psk ]]; then conns+="
  # IKEv1 Main Mode, PSK, ESP transport mode for UDP 1701 (L2TP/IPsec as Windows does it)
  l2tp-ikev1 {
    version = 1
    aggressive = no
    proposals = $SRV_IKEV1_PROPOSALS
    local {
      auth = psk
    }
    remote {
      auth = psk
    }
    children {
      l2tp {
        mode = transport
        local_ts = dynamic[udp/1701]
        remote_ts = dynamic[udp]
        esp_proposals = aes256-sha1,aes128-sha1,3des-sha1
      }
    }
  }"
	fi
	if [[ ${S[server.ikev1.aggressive]} == yes ]]; then conns+="
  # server.ikev1.aggressive=yes: the same IKEv1 PSK connection also in Aggressive Mode (charon
  # picks a config by its aggressive flag, so Main Mode keeps using l2tp-ikev1)
  l2tp-ikev1-am {
    version = 1
    aggressive = yes
    proposals = $SRV_IKEV1_PROPOSALS
    local {
      auth = psk
    }
    remote {
      auth = psk
    }
    children {
      l2tp {
        mode = transport
        local_ts = dynamic[udp/1701]
        remote_ts = dynamic[udp]
        esp_proposals = aes256-sha1,aes128-sha1,3des-sha1
      }
    }
  }"
	fi
	cat >"$d/swanctl/swanctl.conf" <<EOF
# vpndiag lab server (scenario ${S[name]})
connections {$conns
}
pools {
  labpool {
    addrs = 198.19.200.10-198.19.200.50
  }
}
secrets {
  ike-lab {
    secret = "$psk"
  }
  eap-lab {
    id = $([[ ${S[server.eap.user]} == unknown ]] && echo otheruser || cat "$STATE/eap-user")
    secret = "$(cat "$STATE/eap-password")"
  }
}
EOF
	chmod 600 "$d/swanctl/swanctl.conf"
	charon_start charon-srv srv "$d"
	WAIT_UDP+=" 500 4500"
}

server_charon_load() {
	local d=$STATE/srv-charon
	[[ -d $d ]] || return 0
	charon_wait_load "$d"
	if [[ ${S[server.ikev2.cookies]} == always ]]; then
		# Seed one IKE_SA that stays half-open (half_open_timeout=3600):
		# with cookie_threshold=1 every later IKE_SA_INIT then gets N(COOKIE).
		nsx srv ike-scan --ikev2 --sport=0 -r 1 -t 300 "$SRV_ADDR" >"$STATE/logs/cookie-seed.out" 2>&1 || true
	fi
}

server_l2tp() {
	[[ ${S[server.l2tp]} == xl2tpd ]] || return 0
	local d=$STATE/xl2tpd
	mkdir -p "$d"
	cat >"$d/xl2tpd.conf" <<EOF
[global]
listen-addr = $SRV_ADDR
port = 1701
access control = no

[lns default]
ip range = 198.19.220.10-198.19.220.50
local ip = 198.19.220.1
require authentication = yes
name = vpndiag-lab-lns
length bit = yes
ppp debug = no
pppoptfile = $d/options.xl2tpd
EOF
	printf '%s\n' require-mschap-v2 refuse-pap refuse-chap nodefaultroute >"$d/options.xl2tpd"
	start_bg xl2tpd srv /usr/sbin/xl2tpd -D -c "$d/xl2tpd.conf" -p "$d/xl2tpd.pid" -C "$d/l2tp-control"
	WAIT_UDP+=" 1701"
}

server_pptp() {
	[[ ${S[server.pptp]} == pptpd ]] || return 0
	local d=$STATE/pptpd
	mkdir -p "$d"
	cat >"$d/pptpd.conf" <<EOF
option $d/options.pptpd
localip 198.19.210.1
remoteip 198.19.210.10-50
EOF
	printf '%s\n' "name pptpd" refuse-pap refuse-chap refuse-mschap require-mschap-v2 require-mppe-128 nodefaultroute nobsdcomp >"$d/options.pptpd"
	start_bg pptpd srv /usr/sbin/pptpd -f -c "$d/pptpd.conf" -l "$SRV_ADDR" -p "$d/pptpd.pid"
	WAIT_TCP+=" 1723"
	if [[ ${S[server.gre]} == responder ]]; then
		start_bg gre-responder srv python3 "$LAB_DIR/responders/gre_responder.py" --max-seconds 86400
		WAIT_READY+=" gre-responder"
	fi
}

server_sstp() {
	local m=${S[server.sstp]} d=$STATE/nginx
	[[ $m == off ]] && return 0
	mkdir -p "$d/tmp" "$d/www"
	local listen6=""
	[[ $HAS_V6 == 1 ]] && listen6="listen [::]:443 ssl;"
	# server.sstp.tls: the TLS versions the front end accepts. tls1.0: TLS 1.0 only, which OpenSSL 3
	# allows only at security level 0 (SHA-1/MD5 signatures in the handshake).
	local tlsconf="ssl_protocols TLSv1.2 TLSv1.3;"
	[[ ${S[server.sstp.tls]} == tls1.0 ]] && tlsconf="ssl_protocols TLSv1; ssl_ciphers DEFAULT:@SECLEVEL=0;"
	# server.cert=rsa-1024 / sha1-signed: Debian 12's OpenSSL (security level 2) refuses to load such a
	# certificate ("ee key too small", "ca md too weak"); at level 0 nginx serves it as a legacy server does.
	case ${S[server.cert]} in
	rsa-1024 | sha1-signed) [[ $tlsconf == *ssl_ciphers* ]] || tlsconf+=" ssl_ciphers DEFAULT:@SECLEVEL=0;" ;;
	esac
	{
		[[ $m != nginx ]] && echo "load_module /usr/lib/nginx/modules/ngx_stream_module.so;"
		cat <<EOF
daemon off;
master_process on;
# Workers as root: the lab's state directory is private (0700) and the workers serve files from it
# (the CRL, the web page). Only inside the lab's server namespace.
user root;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 128; }
EOF
		local listen80_6=""
		[[ $HAS_V6 == 1 ]] && listen80_6="listen [::]:80;"
		if [[ $m == nginx ]]; then
			cat <<EOF
# An ordinary HTTPS web server on 443 (not an SSTP server), and the CRL distribution point on 80
http {
  access_log off;
  client_body_temp_path $d/tmp/body;
  proxy_temp_path $d/tmp/proxy;
  server { listen 80; $listen80_6 root $d/www; location / { } }
  server {
    listen 443 ssl; $listen6
    server_name $SERVER_NAME;
    ssl_certificate $STATE/pki/fullchain.crt;
    ssl_certificate_key $STATE/pki/server.key;
    $tlsconf
    root $d/www;
    location / { }
  }
}
EOF
		else
			cat <<EOF
# The CRL distribution point named in the lab certificates.
http {
  access_log off;
  client_body_temp_path $d/tmp/body;
  proxy_temp_path $d/tmp/proxy;
  server { listen 80; $listen80_6 root $d/www; location / { } }
}
# nginx terminates TLS and passes the plain stream to the SSTP test responder
# ([MS-SSTP] allows TLS offload in front of the SSTP server).
stream {
  server {
    listen 443 ssl; $listen6
    ssl_certificate $STATE/pki/fullchain.crt;
    ssl_certificate_key $STATE/pki/server.key;
    $tlsconf
    proxy_pass 127.0.0.1:8443;
    proxy_timeout 120s;
  }
}
EOF
		fi
	} >"$d/nginx.conf"
	echo '<html><body>vpndiag lab web server</body></html>' >"$d/www/index.html"
	cp "$STATE/pki/lab.crl" "$d/www/lab.crl"
	# missing-intermediate: the root's CRL and the intermediate at the leaf's AIA caIssuers URL
	[[ -s $STATE/pki/root.crl ]] && cp "$STATE/pki/root.crl" "$d/www/root.crl"
	[[ -s $STATE/pki/int.der ]] && cp "$STATE/pki/int.der" "$d/www/int.crt"
	if [[ $m != nginx ]]; then
		local mode=ack; [[ $m == nak ]] && mode=nak
		start_bg sstp-responder srv python3 "$LAB_DIR/responders/sstp_responder.py" --listen 127.0.0.1 --port 8443 --mode "$mode" --max-seconds 86400
		WAIT_TCP+=" 8443"
	fi
	start_bg nginx srv /usr/sbin/nginx -p "$d" -e "$d/error.log" -c "$d/nginx.conf"
	WAIT_TCP+=" 443 80"
}

# wait (bounded, 10 s) until every expected socket listens in srv
servers_wait() {
	local i ok p s
	for i in $(seq 1 200); do
		ok=1
		s=$(nsx srv ss -Hlntu 2>/dev/null || true)
		for p in $WAIT_UDP; do grep -qE "^udp .*:$p( |$)" <<<"$s" || ok=0; done
		for p in $WAIT_TCP; do grep -qE "^tcp .*:$p( |$)" <<<"$s" || ok=0; done
		for p in $WAIT_READY; do grep -q '^ready' "$STATE/logs/$p.out" 2>/dev/null || ok=0; done
		[[ $ok == 1 ]] && return 0
		sleep 0.05
	done
	die "servers not ready after 10 s (udp:$WAIT_UDP tcp:$WAIT_TCP ready:$WAIT_READY); logs in $STATE/logs"
}
