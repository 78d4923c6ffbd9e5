# shellcheck shell=bash
# vpndiag lab: ground truth (`lab verify`). Real clients check that a scenario
# behaves as its file claims:
#   ikev2-eap, ikev2-psk, ikev1   strongSwan charon as initiator in the client
#                                 namespace, with Windows' proposals
#   ikescan-v1, ikescan-v2        ike-scan (Main Mode / IKE_SA_INIT)
#   ikescan-am                    ike-scan -A (IKEv1 Aggressive Mode, PSK, ID_USER_FQDN)
#   pptp, l2tp, sstp              tools/labprobe.py (control channel / TLS+HTTP+SSTP)
# A verify.<check>= line is "OUTCOME [FLAG...]": the check's outcome must be
# OUTCOME and every FLAG must have been observed.

CLI_D=""

client_charon() {
	[[ -n $CLI_D ]] && return 0
	CLI_D=$STATE/cli-charon
	charon_conf "$CLI_D" cli normal 1
	cp "$STATE/pki/ca.crt" "$CLI_D/swanctl/x509ca/lab-ca.crt"
	local addr=$TARGET4 rid
	[[ ${S[target]} == ipv6 ]] && addr=$TARGET6_ADDR
	rid=$addr
	[[ ${S[target.name]} == yes ]] && rid=$SERVER_NAME
	cat >"$CLI_D/swanctl/swanctl.conf" <<EOF
# Ground-truth initiator with the Windows built-in client's proposals
connections {
  c-eap {
    version = 2
    remote_addrs = $addr
    proposals = $WIN_IKEV2_PROPOSALS
    vips = 0.0.0.0
    fragmentation = yes
    local {
      auth = eap-mschapv2
      eap_id = $(cat "$STATE/eap-user")
    }
    remote {
      auth = pubkey
      id = $rid
      revocation = relaxed
    }
    children {
      net {
        remote_ts = 198.19.100.0/24
        esp_proposals = aes256-sha1,aes128-sha1,3des-sha1
      }
    }
  }
  c-psk {
    version = 2
    remote_addrs = $addr
    proposals = $WIN_IKEV2_PROPOSALS
    vips = 0.0.0.0
    fragmentation = yes
    local {
      auth = psk
    }
    remote {
      auth = psk
    }
    children {
      net {
        remote_ts = 198.19.100.0/24
        esp_proposals = aes256-sha1,aes128-sha1,3des-sha1
      }
    }
  }
  c-l2tp {
    version = 1
    aggressive = no
    remote_addrs = $addr
    proposals = $WIN_IKEV1_PROPOSALS
    fragmentation = yes
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
        remote_ts = dynamic[udp/1701]
        esp_proposals = aes256-sha1,aes128-sha1,3des-sha1
      }
    }
  }
}
secrets {
  ike-lab {
    secret = "$(cat "$STATE/psk")"
  }
  eap-lab {
    id = $(cat "$STATE/eap-user")
    secret = "$(cat "$STATE/eap-password")"
  }
}
EOF
	chmod 600 "$CLI_D/swanctl/swanctl.conf"
	charon_start charon-cli cli "$CLI_D"
	charon_wait_load "$CLI_D"
}

# ike_check CONN CHILD IKEVERSION: initiate, classify from the client log
ike_check() {
	local conn=$1 child=$2 v=$3 off seg outcome flags=()
	client_charon
	off=$(stat -c %s "$CLI_D/charon.log" 2>/dev/null || echo 0)
	swanctl_to "$CLI_D" --initiate --ike "$conn" --child "$child" --timeout 15 >"$STATE/logs/initiate-$conn.out" || true
	sleep 0.2
	swanctl_to "$CLI_D" --terminate --ike "$conn" --force --timeout 3 >/dev/null 2>&1 || true
	seg=$(tail -c +$((off + 1)) "$CLI_D/charon.log")
	printf '%s\n' "$seg" >"$STATE/logs/verify-$conn.log"
	if grep -qE "IKE_SA $conn\[[0-9]+\] established" <<<"$seg"; then outcome=established
	elif grep -qE 'N\(NO_PROP\)|received NO_PROPOSAL_CHOSEN' <<<"$seg"; then outcome=no-proposal
	elif grep -qE 'sending EAP_NAK|EAP_FAILURE|EAP-MS-CHAPv2 failed|EAP method [A-Z_0-9]+ failed' <<<"$seg"; then outcome=eap-failed
	elif grep -qE 'generating [A-Z_]+ (request|response) [0-9]+ \[.*N\(AUTH_FAILED\)|subject certificate invalid|constraint check failed|no trusted .* public key found|does not match|verification of .* failed' <<<"$seg"; then outcome=cert-rejected
	elif grep -qE 'parsed [A-Z_]+ (request|response) [0-9]+ \[.*N\(AUTH_FAILED\)|received AUTHENTICATION_FAILED' <<<"$seg"; then outcome=auth-failed
	elif grep -qE 'giving up after|peer not responding|establishing IKE_SA failed' <<<"$seg"; then
		if [[ $v == 2 ]] && ! grep -q 'parsed IKE_SA_INIT response' <<<"$seg"; then outcome=timeout-init
		elif [[ $v == 1 ]] && ! grep -q 'parsed ID_PROT response 0' <<<"$seg"; then outcome=timeout-init
		elif [[ $v == 1 ]] && grep -q 'sending packet.*' <<<"$seg" && grep -qE 'generating ID_PROT request 0 \[ ID HASH' <<<"$seg"; then outcome=timeout-auth
		else outcome=timeout-auth; fi
	else outcome=other; fi
	grep -q 'local host is behind NAT' <<<"$seg" && flags+=(nat-local)
	grep -q 'remote host is behind NAT' <<<"$seg" && flags+=(nat-remote)
	if grep -qE 'parsed (IKE_SA_INIT|ID_PROT) response' <<<"$seg" && ! grep -q 'host is behind NAT' <<<"$seg"; then flags+=(no-nat); fi
	grep -qE 'N\(COOKIE\)|received COOKIE' <<<"$seg" && flags+=(cookie)
	grep -qE 'EAP_MSCHAPV2 succeeded|EAP method EAP_MSCHAPV2 succeeded' <<<"$seg" && flags+=(eap)
	grep -qE 'EF\([0-9]+/[0-9]+\)|received fragment' <<<"$seg" && flags+=(ike-fragments)
	grep -qiE 'crl fetching failed|fetching crl .* failed|unable to fetch' <<<"$seg" && flags+=(crl-fetch-failed)
	grep -q 'IKE_AUTH response' <<<"$seg" && flags+=(auth-response)
	echo "$outcome ${flags[*]}"
}

ikescan_check() {
	local v=$1 addr=$TARGET4 o hs nt args=()
	[[ ${S[target]} == ipv6 ]] && { addr=$TARGET6_ADDR; args+=(-6); }
	[[ $v == 2 ]] && args+=(--ikev2)
	# am: ike-scan's default Aggressive Mode transforms (DES/3DES, MD5/SHA1, MODP1024, PSK)
	[[ $v == am ]] && args+=(-A --id=vpndiag@lab.test)
	o=$(nsx cli timeout 20 ike-scan "${args[@]}" --sport=0 -M -r 2 -t 500 "$addr" 2>&1)
	printf '%s\n' "$o" >"$STATE/logs/ikescan-v$v.out"
	hs=$(sed -n 's/.* \([0-9]\+\) returned handshake.*/\1/p' <<<"$o")
	nt=$(sed -n 's/.* \([0-9]\+\) returned notify.*/\1/p' <<<"$o")
	if [[ ${hs:-0} -gt 0 ]]; then echo "answer handshake"
	elif [[ ${nt:-0} -gt 0 ]]; then echo "answer notify $(grep -oE 'Notify message [0-9]+ \([A-Z_-]+\)' <<<"$o" | head -n1 | sed 's/.*(\(.*\))/\1/' | tr 'A-Z_' 'a-z-')"
	else echo "none"; fi
}

probe_check() {
	local what=$1 addr=$TARGET4 name
	[[ ${S[target]} == ipv6 ]] && addr=$TARGET6_ADDR
	name=$SERVER_NAME; [[ ${S[target.name]} == no ]] && name=$addr
	case $what in
	sstp) nsx cli timeout 30 python3 "$LAB_DIR/tools/labprobe.py" sstp "$addr" "$name" "$STATE/pki/ca.crt" ;;
	*) nsx cli timeout 30 python3 "$LAB_DIR/tools/labprobe.py" "$what" "$addr" ;;
	esac
}

# compare EXPECTED GOT: outcome equal, every expected flag present
verify_match() {
	local exp=$1 got=$2 f
	# shellcheck disable=SC2086
	set -- $got
	local go=${1-}
	[[ ${exp%% *} == "$go" ]] || return 1
	for f in ${exp#"${exp%% *}"}; do
		[[ " $got " == *" $f "* ]] || return 1
	done
	return 0
}

verify_all() {
	local k check exp got fails=0 n=0
	if printf '%s\n' "${!S[@]}" | grep -qE '^verify\.(ikev2-|ikev1)'; then client_charon; fi
	for k in $(printf '%s\n' "${!S[@]}" | grep '^verify\.' | sort); do
		check=${k#verify.}; exp=${S[$k]}
		case $check in
		ikev2-eap) got=$(ike_check c-eap net 2) ;;
		ikev2-psk) got=$(ike_check c-psk net 2) ;;
		ikev1) got=$(ike_check c-l2tp l2tp 1) ;;
		ikescan-v1) got=$(ikescan_check 1) ;;
		ikescan-v2) got=$(ikescan_check 2) ;;
		ikescan-am) got=$(ikescan_check am) ;;
		pptp | l2tp | sstp) got=$(probe_check "$check") ;;
		esac
		n=$((n + 1))
		if verify_match "$exp" "$got"; then
			printf 'PASS %-12s expected: %-34s got: %s\n' "$check" "$exp" "$got"
		else
			printf 'FAIL %-12s expected: %-34s got: %s\n' "$check" "$exp" "$got"
			fails=$((fails + 1))
		fi
	done
	echo "verify ${S[name]}: $n checks, $fails failed (logs were in $STATE/logs)"
	[[ $fails -eq 0 ]]
}
