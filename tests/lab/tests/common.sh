# shellcheck shell=bash
# Shared prelude of the lab's ctest scripts: exit 77 (ctest SKIPPED) with the
# reason when the lab cannot run here; never pass silently.
LAB_DIR=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
LAB=$LAB_DIR/lab
skip() { echo "SKIPPED: $*"; exit 77; }
# lab_binary "$1": the vpndiag binary every probe test takes first, made absolute in VPNDIAG (the
# tests run it inside namespaces, from other directories); a usage line and exit 2 without one.
lab_binary() {
	[[ -n ${1:-} && -x $1 ]] || { echo "usage: $0 VPNDIAG_BINARY [SCENARIO...]" >&2; exit 2; }
	VPNDIAG=$(readlink -f "$1")
}
lab_preflight() {
	[[ $(id -u) -eq 0 ]] || skip "the lab needs root (network namespaces)"
	local p="vdl-pf-$$" miss=() c
	ip netns add "$p" 2>/dev/null || skip "cannot create network namespaces here"
	ip netns del "$p"
	for c in ip nft swanctl /usr/lib/ipsec/charon pki xl2tpd pptpd nginx python3 ss timeout; do
		command -v "$c" >/dev/null 2>&1 || [[ -x $c ]] || miss+=("$c")
	done
	[[ -e /usr/lib/nginx/modules/ngx_stream_module.so ]] || miss+=(libnginx-mod-stream)
	[[ ${#miss[@]} -eq 0 ]] || skip "missing: ${miss[*]} (install tests/lab/packages.txt)"
}
