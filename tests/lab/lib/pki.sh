# shellcheck shell=bash
# vpndiag lab: the lab CA and the server certificate variants, made at run
# time with strongSwan's pki tool. Output in $STATE/pki:
#   ca.crt            the lab root CA (CA_FILE; the client trusts it)
#   server.key/.crt   the server certificate of the scenario's variant
#   chain.crt         intermediates the server sends (may be empty)
#   fullchain.crt     server.crt + chain.crt (for nginx)
#   server.id         the identity charon uses (IDr)
#   lab.crl           the issuer's CRL (DER), served at http://$CRL_NAME/lab.crl
#   root.crl, int.der missing-intermediate only: the root's CRL (for the
#                     intermediate's CDP) and the intermediate (DER), served at
#                     http://$CRL_NAME/root.crl and http://$CRL_NAME/int.crt
# Variants (server.cert=): good, wrong-name, expired, untrusted-ca,
# no-server-auth, ip-san-only, large-chain, crl-unreachable,
# missing-intermediate; issue 13: no-eku, any-eku, critical-ext,
# ku-no-signature, not-yet-valid, wildcard, wildcard-cn, rsa-1024,
# sha1-signed (the last two need OpenSSL security level 0 in nginx: servers.sh).

pki_q() { pki "$@" 2>/dev/null; }   # pki prints harmless TPM noise on stderr

pki_build() {
	local v=${S[server.cert]} d=$STATE/pki
	local dn="C=XX, O=vpndiag lab, CN=$SERVER_NAME"
	local san=(--san "$SERVER_NAME" --san "dns:$TARGET4")
	local flags=(--flag serverAuth --flag ikeIntermediate)
	# Every certificate names a CRL distribution point, as Windows' SSTP client checks revocation:
	# served by the lab's web server on port 80 (crl-unreachable: CRL_NAME resolves to a dead host).
	local dates=(--lifetime 1000) issuer_crt=$d/ca.crt issuer_key=$d/ca.key extra=(--crl "http://$CRL_NAME/lab.crl") i aia= digest=()
	# Issue 13: variants pki cannot write are issued by openssl with the good certificate's fields
	# and these changes: the EKU line (no_eku: none), the keyUsage line, one extra line.
	local ossl=no eku_line="extendedKeyUsage = serverAuth, 1.3.6.1.5.5.8.2.2" ku_line= extra_line=
	mkdir -p "$d"
	pki_q --gen --type rsa --size 2048 --outform pem >"$d/ca.key"
	pki_q --self --ca --lifetime 3650 --in "$d/ca.key" --type rsa \
		--dn "C=XX, O=vpndiag lab, CN=vpndiag lab root CA $LAB_ID" --outform pem >"$d/ca.crt"
	pki_q --gen --type rsa --size 2048 --outform pem >"$d/server.key"
	: >"$d/chain.crt"
	echo "$SERVER_NAME" >"$d/server.id"
	case $v in
	good) ;;
	wrong-name)
		dn="C=XX, O=vpndiag lab, CN=other.lab.test"; san=(--san other.lab.test)
		echo other.lab.test >"$d/server.id" ;;
	expired)
		dates=(--not-before "2020-01-01 00:00:00" --not-after "2021-01-01 00:00:00" --dateform "%Y-%m-%d %H:%M:%S") ;;
	untrusted-ca)
		pki_q --gen --type rsa --size 2048 --outform pem >"$d/rogue-ca.key"
		pki_q --self --ca --lifetime 3650 --in "$d/rogue-ca.key" --type rsa \
			--dn "C=XX, O=somebody else, CN=untrusted root CA $LAB_ID" --outform pem >"$d/rogue-ca.crt"
		issuer_crt=$d/rogue-ca.crt; issuer_key=$d/rogue-ca.key ;;
	no-server-auth)
		flags=(--flag clientAuth) ;;
	no-eku) # no Extended Key Usage extension at all (RFC 5280: any purpose)
		flags=() ;;
	any-eku) # anyExtendedKeyUsage (2.5.29.37.0) only
		ossl=yes; eku_line="extendedKeyUsage = anyExtendedKeyUsage" ;;
	critical-ext) # serverAuth, plus a private extension marked critical (servers.sh lets charon load it)
		ossl=yes; extra_line="1.3.6.1.4.1.99999.13.1 = critical, ASN1:UTF8String:vpndiag lab" ;;
	ku-no-signature) # Key Usage keyEncipherment only (no digitalSignature)
		ossl=yes; ku_line="keyUsage = critical, keyEncipherment" ;;
	not-yet-valid)
		dates=(--not-before "$(date -u -d '+2 days' '+%Y-%m-%d %H:%M:%S')" --not-after "$(date -u -d '+1000 days' '+%Y-%m-%d %H:%M:%S')"
			--dateform "%Y-%m-%d %H:%M:%S") ;;
	rsa-1024) # the server's key is RSA 1024 bits (the CA stays RSA 2048)
		pki_q --gen --type rsa --size 1024 --outform pem >"$d/server.key" ;;
	sha1-signed) # the lab CA signs the server certificate with SHA-1 (sha1WithRSAEncryption)
		digest=(--digest sha1) ;;
	wildcard) # CN and dNSName *.lab.test (TARGET_NAME is vpn.lab.test)
		dn="C=XX, O=vpndiag lab, CN=*.${SERVER_NAME#*.}"; san=(--san "*.${SERVER_NAME#*.}")
		echo "$dn" >"$d/server.id" ;;
	wildcard-cn) # the wildcard only in the CN, no subjectAltName at all
		dn="C=XX, O=vpndiag lab, CN=*.${SERVER_NAME#*.}"; san=()
		echo "$dn" >"$d/server.id" ;;
	ip-san-only)
		dn="C=XX, O=vpndiag lab, CN=vpndiag lab server"; san=(--san "$TARGET4")
		echo "$TARGET4" >"$d/server.id" ;;
	crl-unreachable) ;; # the same distribution point, on a host that is down (see lab: hosts)
	large-chain)
		# root -> 3 intermediates -> server with many SANs: the IKE_AUTH
		# answer (IDr CERT CERT... AUTH) is about 5 KB, far above 1500.
		for i in 1 2 3; do
			pki_q --gen --type rsa --size 2048 --outform pem >"$d/int$i.key"
			pki_q --issue --cacert "$issuer_crt" --cakey "$issuer_key" --type priv --in "$d/int$i.key" \
				--ca --dn "C=XX, O=vpndiag lab, CN=vpndiag lab intermediate CA $i with a long name to make the chain larger" \
				--lifetime 3000 --outform pem >"$d/int$i.crt"
			cat "$d/int$i.crt" >>"$d/chain.crt.tmp"
			issuer_crt=$d/int$i.crt; issuer_key=$d/int$i.key
		done
		# nginx and charon want the chain leaf-first (int3, int2, int1)
		for i in 3 2 1; do cat "$d/int$i.crt"; done >"$d/chain.crt"; rm -f "$d/chain.crt.tmp"
		for i in $(seq 1 60); do san+=(--san "alt-name-$i.vpn.lab.test"); done ;;
	missing-intermediate)
		# root -> intermediate -> server, and the server sends only its own
		# certificate (chain.crt stays empty; the client trusts the root).
		# The intermediate names the root's CRL (root.crl, signed by the root);
		# the leaf names lab.crl, signed by the intermediate (below).
		# The leaf carries an AIA caIssuers URL where the lab web server serves
		# the intermediate (DER): without it a leaf-only chain cannot be told
		# from an untrusted root at all, and it is what Windows' CryptoAPI
		# (SSTP) fetches a missing issuer from; IKEEXT does not [inferred].
		# strongSwan's pki cannot write caIssuers, so openssl issues that leaf.
		pki_q --gen --type rsa --size 2048 --outform pem >"$d/int.key"
		pki_q --issue --cacert "$issuer_crt" --cakey "$issuer_key" --type priv --in "$d/int.key" \
			--ca --dn "C=XX, O=vpndiag lab, CN=vpndiag lab intermediate CA $LAB_ID" \
			--crl "http://$CRL_NAME/root.crl" --lifetime 3000 --outform pem >"$d/int.crt"
		pki_q --signcrl --cacert "$issuer_crt" --cakey "$issuer_key" --lifetime 30 --outform der >"$d/root.crl"
		openssl x509 -in "$d/int.crt" -outform der -out "$d/int.der" || die "openssl: converting the intermediate failed"
		[[ -s $d/root.crl && -s $d/int.der ]] || die "pki: the intermediate CA failed"
		issuer_crt=$d/int.crt; issuer_key=$d/int.key; aia="http://$CRL_NAME/int.crt" ;;
	esac
	if [[ -n $aia || $ossl == yes ]]; then
		# the same certificate pki would issue (CN, dNSName SANs, serverAuth +
		# ikeIntermediate, CDP), plus authorityInfoAccess caIssuers (missing-intermediate)
		# or the issue 13 variant's change
		printf '%s\n' "basicConstraints = CA:FALSE" "subjectKeyIdentifier = hash" "authorityKeyIdentifier = keyid" \
			"subjectAltName = DNS:$SERVER_NAME, DNS:$TARGET4" ${eku_line:+"$eku_line"} ${ku_line:+"$ku_line"} \
			"crlDistributionPoints = URI:http://$CRL_NAME/lab.crl" ${aia:+"authorityInfoAccess = caIssuers;URI:$aia"} \
			${extra_line:+"$extra_line"} >"$d/server.ext"
		openssl req -new -key "$d/server.key" -subj "/C=XX/O=vpndiag lab/CN=$SERVER_NAME" -out "$d/server.csr" &&
			openssl x509 -req -in "$d/server.csr" -CA "$issuer_crt" -CAkey "$issuer_key" -set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" \
				-days 1000 -sha256 -extfile "$d/server.ext" -out "$d/server.crt" 2>/dev/null
	else
		pki_q --issue --cacert "$issuer_crt" --cakey "$issuer_key" --type priv --in "$d/server.key" \
			--dn "$dn" "${san[@]}" "${flags[@]}" "${extra[@]}" "${dates[@]}" "${digest[@]}" --outform pem >"$d/server.crt"
	fi
	[[ -s $d/server.crt ]] || die "pki: issuing the server certificate failed"
	# The CRL of the server certificate's issuer (empty: nothing revoked), DER as CDPs serve it.
	pki_q --signcrl --cacert "$issuer_crt" --cakey "$issuer_key" --lifetime 30 --outform der >"$d/lab.crl"
	[[ -s $d/lab.crl ]] || die "pki: signing the CRL failed"
	cat "$d/server.crt" "$d/chain.crt" >"$d/fullchain.crt"
}
