#!/bin/bash
# ctest lab_exporter (issue 17): `vpndiag exporter` scraped by a real Prometheus. For each scenario
# (default: healthy and udp500-drop) a lab is started, and in its client namespace the exporter
# and Prometheus (blackbox_exporter's multi-target relabelling, a short scrape interval); the test
# then asks Prometheus' HTTP API (/api/v1/query) for the series and checks them against the
# scenario's expect.* lines (vpndiag_probe_success, vpndiag_protocol_verdict,
# vpndiag_protocol_windows_error, vpndiag_finding, NAT); `promtool check metrics` must pass on
# /probe and /metrics. In the first scenario it also sends 1,000 requests in a row on loopback and
# compares the exporter's resident memory before and after (printed; a rise over RSS_SLACK_KB fails).
# Usage: exporter.sh VPNDIAG_BINARY [SCENARIO...]
set -uo pipefail
. "$(dirname "$(readlink -f "$0")")/common.sh"
lab_binary "${1:-}"
shift
lab_preflight
for c in prometheus promtool curl python3; do
	command -v "$c" >/dev/null || skip "$c missing (prometheus is in tests/lab/packages.txt)"
done
SCENARIOS=("$@")
[[ ${#SCENARIOS[@]} -gt 0 ]] || SCENARIOS=(healthy udp500-drop)
INNER=$LAB_DIR/tests/exporter_inner.sh
fails=0
first=1
for s in "${SCENARIOS[@]}"; do
	scn=$LAB_DIR/scenarios/$s.scn
	[[ -f $scn ]] || { echo "FAIL $s: no scenario file"; fails=$((fails + 1)); continue; }
	out=$(mktemp -d /tmp/vpndiag-exporter-test.XXXXXX)
	chmod 755 "$out"
	t0=$(date +%s.%N)
	# the whole run in the client namespace is bounded (Prometheus' first scrape, the queries,
	# the 1,000 requests); lab run tears the lab down whatever happens
	timeout -k 5 75 "$LAB" run "$s" -- bash "$INNER" "$VPNDIAG" "$scn" "$out" "$first" >"$out/log" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	sed 's/^/  /' "$out/log"
	if [[ $rc -eq 0 ]]; then
		echo "ok   $s ($(awk "BEGIN{printf \"%.1f\", $t1-$t0}") s)"
	else
		echo "FAIL $s (exit $rc)"
		for f in exporter.err prometheus.log; do
			[[ -s $out/$f ]] && { echo "  --- $f (last lines)"; tail -8 "$out/$f" | sed 's/^/  /'; }
		done
		fails=$((fails + 1))
	fi
	rm -rf "$out"
	first=0
done
echo "exporter: $fails failure(s) in ${#SCENARIOS[@]} scenario(s)"
[[ $fails -eq 0 ]]
